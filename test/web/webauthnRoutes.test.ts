import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { databaseKinds } from '../support/databases.ts';
import { SoftAuthenticator } from '../support/softAuthenticator.ts';
import { createTestSite, csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';

const ORIGIN = 'http://localhost'; // the test site's origin

for (const kind of databaseKinds) {
  describe(`WebAuthn on the web door (${kind})`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    /** Registers a key from /user/security as the page script does: JSON options, then the form post. */
    async function registerKey(browser: TestBrowser, key: SoftAuthenticator, label: string): Promise<void> {
      const page = await browser.agent.get('/user/security').expect(200);
      const csrf = csrfFrom(page.text);
      const begun = await browser.agent.post('/user/security/webauthn/setup').set('X-CSRF-Token', csrf).send({ label }).expect(200);
      const { setupId, options } = begun.body as { setupId: number; options: PublicKeyCredentialCreationOptionsJSON };
      const response = JSON.stringify(key.register(options));
      await browser.agent
        .post('/user/security/webauthn/confirm')
        .type('form')
        .send({ _csrf: csrf, setupId, label, response })
        .expect(303)
        .expect('location', '/user/security');
    }

    async function keyholder(username: string): Promise<{ key: SoftAuthenticator }> {
      await site.addUser(username);
      const browser = site.browser();
      await browser.login(username);
      const key = new SoftAuthenticator({ origin: ORIGIN });
      await registerKey(browser, key, 'Blue key');
      await browser.logout();
      return { key };
    }

    it('serves @simplewebauthn/browser and the page script from this site, to a user who has not finished MFA', async () => {
      await keyholder('assets');
      const browser = site.browser();
      assert.equal((await browser.login('assets')).headers.location, '/mfa');
      const library = await browser.agent.get('/mfa/assets/webauthn/simplewebauthn-browser.js').expect(200).expect('content-type', /javascript/);
      assert.match(library.text, /SimpleWebAuthnBrowser/, '@simplewebauthn/browser, from this site');
      assert.match(library.headers['cache-control'] ?? '', /max-age=\d+/);
      const script = await browser.agent.get('/mfa/assets/webauthn/webauthn.js').expect(200).expect('content-type', /javascript/);
      assert.match(script.text, /simplewebauthn-browser\.js/, 'the page script loads the library from beside itself');
      // Only what the factor declared: no other file of its folder, of another factor, or above it.
      await browser.agent.get('/mfa/assets/webauthn/webauthnFactor.ts').expect(404);
      await browser.agent.get('/mfa/assets/webauthn/..%2f..%2fpackage.json').expect(404);
      await browser.agent.get('/mfa/assets/totp/webauthn.js').expect(404);
      const page = await browser.agent.get('/mfa').expect(200);
      assert.match(page.text, /Use your security key or passkey/);
      assert.match(page.text, /<script src="\/mfa\/assets\/webauthn\/webauthn\.js" defer><\/script>/);
      assert.doesNotMatch(page.text, /name="code"/);
      assert.doesNotMatch(page.text, /https?:\/\/(?!localhost)[^"']*\.js/, 'no script from another site');
    });

    it('passes MFA with a key through POST /mfa, and refuses options without the CSRF token', async () => {
      const { key } = await keyholder('http-login');
      const browser = site.browser();
      assert.equal((await browser.login('http-login', '/my?tab=keys')).headers.location, '/mfa');
      const page = await browser.agent.get('/mfa').expect(200);
      const csrf = csrfFrom(page.text);
      await browser.agent.post('/mfa/challenge').send({ factor: 'webauthn' }).expect(403);
      const asked = await browser.agent.post('/mfa/challenge').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ factor: 'webauthn' }).expect(200);
      const { options } = asked.body as { options: PublicKeyCredentialRequestOptionsJSON };
      const response = JSON.stringify(key.assert(options));
      await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'webauthn', response }).expect(303).expect('location', '/my?tab=keys');
      await browser.agent.get('/my').expect(200);
    });

    it('shows a refused answer on /mfa with the tries left, and keeps the user there', async () => {
      const { key } = await keyholder('http-refused');
      const browser = site.browser();
      await browser.login('http-refused');
      const csrf = csrfFrom((await browser.agent.get('/mfa').expect(200)).text);
      const asked = await browser.agent.post('/mfa/challenge').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ factor: 'webauthn' }).expect(200);
      const response = JSON.stringify(key.assert(asked.body.options as PublicKeyCredentialRequestOptionsJSON, { origin: 'http://evil.test' }));
      const refused = await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'webauthn', response }).expect(401);
      assert.match(refused.text, /id="webauthn-error"[^>]*>[^<]*could not be verified\. 9 tries left\./);
      await browser.agent.get('/my').expect(302).expect('location', '/mfa');
    });

    it('refuses the same answer posted twice to one login', async () => {
      const { key } = await keyholder('http-replay');
      // At weight 50 the key alone does not finish the login, so the second post reaches the same attempt.
      await site.mfa.settings.set('factor.webauthn.weight', 50, 'test');
      try {
        const browser = site.browser();
        await browser.login('http-replay');
        const csrf = csrfFrom((await browser.agent.get('/mfa').expect(200)).text);
        const asked = await browser.agent.post('/mfa/challenge').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ factor: 'webauthn' }).expect(200);
        const response = JSON.stringify(key.assert(asked.body.options as PublicKeyCredentialRequestOptionsJSON));
        const post = () => browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'webauthn', response });
        await post().expect(200);
        const replayed = await post().expect(401);
        assert.match(replayed.text, /used already/);
      } finally {
        await site.mfa.settings.set('factor.webauthn.weight', 100, 'test');
      }
    });

    it('lets a user who must set up MFA register a key, and counts it for the login waiting on it', async () => {
      await site.mfa.settings.set('require_setup', true, 'test');
      try {
        await site.addUser('must-enrol');
        const browser = site.browser();
        assert.equal((await browser.login('must-enrol')).headers.location, '/user/security?setup=required');
        const page = await browser.agent.get('/user/security?setup=required').expect(200);
        assert.match(page.text, /Add a security key or passkey/);
        const csrf = csrfFrom(page.text);
        const begun = await browser.agent.post('/user/security/webauthn/setup').set('X-CSRF-Token', csrf).send({ label: 'First key' }).expect(200);
        const response = JSON.stringify(new SoftAuthenticator({ origin: ORIGIN }).register(begun.body.options as PublicKeyCredentialCreationOptionsJSON));
        await browser.agent.post('/user/security/webauthn/confirm').type('form').send({ _csrf: csrf, setupId: begun.body.setupId, label: 'First key', response }).expect(303).expect('location', '/my');
        await browser.agent.get('/my').expect(200);
      } finally {
        await site.mfa.settings.set('require_setup', false, 'test');
      }
    });

    it('renames the user’s own key and no one else’s, once MFA is passed', async () => {
      const { key } = await keyholder('renamer');
      await keyholder('other-owner');
      const keyOf = (username: string) =>
        site.database.db('mfa_user_factors').join('lms_users', 'lms_users.id', 'mfa_user_factors.user_id').where('lms_users.username', username).first('mfa_user_factors.id') as Promise<{ id: number } | undefined>;
      const mine = await keyOf('renamer');
      const theirs = await keyOf('other-owner');
      assert.ok(mine && theirs, 'both users have a key');
      const labelOf = async (id: number) => ((await site.database.db('mfa_user_factors').where({ id }).first('label')) as { label: string }).label;

      const browser = site.browser();
      await browser.login('renamer');
      const csrf = csrfFrom((await browser.agent.get('/mfa').expect(200)).text);
      const rename = (id: number, label: string) => browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'webauthn', id, label });
      // Renaming is for a session that passed MFA: the gate answers before the route does.
      await rename(mine.id, 'Too early').expect(401);
      const asked = await browser.agent.post('/mfa/challenge').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ factor: 'webauthn' }).expect(200);
      const response = JSON.stringify(key.assert(asked.body.options as PublicKeyCredentialRequestOptionsJSON));
      await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'webauthn', response }).expect(303);
      const fresh = csrfFrom((await browser.agent.get('/user/security').expect(200)).text);
      const renameNow = (id: number, label: string) => browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: fresh, factor: 'webauthn', id, label });
      await renameNow(mine.id, 'Office key').expect(303).expect('location', '/user/security');
      assert.match((await browser.agent.get('/user/security').expect(200)).text, /Renamed to “Office key”\./);
      assert.match((await renameNow(theirs.id, 'Stolen').expect(404)).text, /not on your account/);
      assert.equal(await labelOf(mine.id), 'Office key');
      assert.equal(await labelOf(theirs.id), 'Blue key');
    });
  });
}
