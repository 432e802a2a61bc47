import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { addAuthenticatorApp, loggedInWithApp, passWithCode, userIdOf } from '../support/securityPageSteps.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, type TestSite, totpSecretFrom } from '../support/testSite.ts';

const ELEVEN_MINUTES = 11 * 60_000;

for (const kind of databaseKinds) {
  describe(`recent MFA pass before security changes, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    it('lets changes through within recent_pass_minutes of the pass', async () => {
      const { browser } = await loggedInWithApp(site, 'fresh');
      site.clock.advance(9 * 60_000);
      const security = await browser.agent.get('/user/security').expect(200);
      assert.doesNotMatch(security.text, /confirm it’s you first/);
      await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Tablet' }).expect(200);
    });

    it('refuses every security change once the pass is older, with a page that offers to verify again', async () => {
      const { browser } = await loggedInWithApp(site, 'stale');
      const userId = await userIdOf(site, 'stale');
      site.clock.advance(ELEVEN_MINUTES);
      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /confirm it’s you first/, 'the page says so before the user fills in a form');
      const csrf = csrfFrom(security.text);
      const [device] = (await site.mfa.enrolment.devices((await site.mfa.registry.host.findUserById(userId))!)).filter((d) => d.factor === 'totp');
      assert.ok(device);

      const setup = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrf, label: 'Thief phone' }).expect(403);
      assert.match(setup.text, /Verify it’s you/);
      assert.match(setup.text, /action="\/user\/security\/confirm"/);
      assert.match(setup.text, /name="returnTo" value="\/user\/security"/);
      assert.match(setup.text, /last 10 minutes/);
      const remove = await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrf, factor: 'totp', id: device.id }).expect(403);
      assert.match(remove.text, /Verify it’s you/);
      await browser.agent.post('/user/security/recovery-codes/setup').type('form').send({ _csrf: csrf }).expect(403);
      await browser.agent.post('/user/security/email/setup').type('form').send({ _csrf: csrf }).expect(403);
      const options = await browser.agent.post('/user/security/webauthn/setup').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({}).expect(403);
      assert.equal(options.body.code, 'RECENT_MFA_REQUIRED');

      const user = (await site.mfa.registry.host.findUserById(userId))!;
      assert.equal((await site.mfa.enrolment.devices(user)).filter((d) => d.factor === 'totp').length, 1, 'nothing was removed');
      assert.equal((await site.mfa.audit.recent({ userId, event: 'factor_removed' })).length, 0);
    });

    it('asks for the second factor again and comes back to the security page with a new session id', async () => {
      const { browser, secret } = await loggedInWithApp(site, 'stepup');
      site.clock.advance(ELEVEN_MINUTES);
      const security = await browser.agent.get('/user/security').expect(200);
      const before = browser.sessionCookie();
      await browser.agent.post('/user/security/confirm').type('form').send({ _csrf: csrfFrom(security.text), returnTo: '/user/security' }).expect(303).expect('location', '/mfa');
      assert.equal((await browser.agent.get('/user/security')).headers.location, '/mfa', 'pending again until the factor is given');
      const page = await browser.agent.get('/mfa').expect(200);
      const pass = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
      assert.equal(pass.headers.location, '/user/security');
      const renewed = sessionCookieSetBy(pass);
      assert.ok(renewed && renewed !== before, 'a new session id after the pass');
      const again = await browser.agent.get('/user/security').expect(200);
      assert.doesNotMatch(again.text, /confirm it’s you first/);
      await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(again.text), label: 'Tablet' }).expect(200);
    });

    it('never sends the user off the site after verifying again', async () => {
      const { browser, secret } = await loggedInWithApp(site, 'offsite');
      site.clock.advance(ELEVEN_MINUTES);
      const security = await browser.agent.get('/user/security').expect(200);
      await browser.agent.post('/user/security/confirm').type('form').send({ _csrf: csrfFrom(security.text), returnTo: '//evil.example/x' }).expect(303);
      site.clock.advance(30_000);
      assert.equal(await passWithCode(site, browser, secret), '/user/security');
    });

    it('does not block a user with no factor from adding their first', async () => {
      await site.addUser('firsttimer');
      const browser = site.browser();
      assert.equal((await browser.login('firsttimer')).headers.location, '/my');
      site.clock.advance(60 * 60_000);
      const security = await browser.agent.get('/user/security').expect(200);
      assert.doesNotMatch(security.text, /confirm it’s you first/);
      await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Phone' }).expect(200);
      await browser.agent.post('/user/security/recovery-codes/setup').type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
    });

    it('does not block the first factor when setup is required (the session has not passed MFA at all)', async () => {
      await site.addUser('mustenrol');
      await site.mfa.settings.set('require_setup', true, 'test');
      try {
        const browser = site.browser();
        assert.equal((await browser.login('mustenrol')).headers.location, '/user/security?setup=required');
        const security = await browser.agent.get('/user/security').expect(200);
        await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Phone' }).expect(200);
      } finally {
        await site.mfa.settings.set('require_setup', false, 'test');
      }
    });

    it('lets a user stop trusting a browser however old the pass is (it gives access up)', async () => {
      const { browser, secret } = await loggedInWithApp(site, 'untrust');
      const userId = await userIdOf(site, 'untrust');
      // Another browser of the user's, trusted the way a person does it: the box ticked at the second step.
      const laptop = site.browser();
      assert.equal((await laptop.login('untrust')).headers.location, '/mfa');
      const mfaPage = await laptop.agent.get('/mfa').expect(200);
      await laptop.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(mfaPage.text), factor: 'totp', code: await codeFor(secret, site.clock.time), trust_device: '1' }).expect(303);
      site.clock.advance(30_000);
      await laptop.logout();
      assert.equal((await laptop.login('untrust')).headers.location, '/my', 'while trusted, the laptop skips the second step');
      await laptop.logout();
      const user = (await site.mfa.registry.host.findUserById(userId))!;
      const id = (await site.mfa.enrolment.devices(user)).find((d) => d.factor === 'trusted_device')?.id;
      assert.ok(id);
      site.clock.advance(ELEVEN_MINUTES);
      const security = await browser.agent.get('/user/security').expect(200);
      await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrfFrom(security.text), factor: 'trusted_device', id }).expect(303);

      // Removed for real: gone from the list, said on the page, audited, and the laptop is asked again.
      assert.equal((await site.mfa.enrolment.devices(user)).some((d) => d.factor === 'trusted_device'), false, 'no trusted browser left');
      assert.equal(await site.database.db('mfa_trusted_devices').where({ user_id: userId }).count({ n: '*' }).first().then((row) => Number(row?.n)), 0);
      assert.match((await browser.agent.get('/user/security').expect(200)).text, /That browser is no longer trusted\./);
      assert.equal((await site.mfa.audit.recent({ userId, event: 'trusted_device_revoked' })).length, 1);
      assert.equal((await laptop.login('untrust')).headers.location, '/mfa', 'the laptop is asked for the second step again');
    });

    it('asks nobody again while the plugin is switched off (no detour to a second-factor page that asks nothing)', async () => {
      const { browser } = await loggedInWithApp(site, 'switched-off');
      site.clock.advance(ELEVEN_MINUTES);
      await site.mfa.settings.set('enabled', false, 'admin');
      try {
        const security = await browser.agent.get('/user/security').expect(200);
        assert.doesNotMatch(security.text, /confirm it’s you first/);
        await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Tablet' }).expect(200);
      } finally {
        await site.mfa.settings.set('enabled', true, 'admin');
      }
    });

    it('refuses every set-up step of every factor to a stale session, the half-finished TOTP set-up included (issue 11 finding 6)', async () => {
      const { browser } = await loggedInWithApp(site, 'halfdone');
      const security = await browser.agent.get('/user/security').expect(200);
      const csrf = csrfFrom(security.text);
      // Begun while the pass was fresh: the secret is on the page, and must not be cached.
      const setupPage = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrf, label: 'Tablet' }).expect(200);
      assert.equal(setupPage.headers['cache-control'], 'no-store', 'the set-up page shows a secret: no-store');
      const secret = totpSecretFrom(setupPage.text);
      const setupId = /name="setupId" value="(\d+)"/.exec(setupPage.text)?.[1];
      assert.ok(setupId);
      const mistyped = await browser.agent.post('/user/security/totp/confirm').type('form').send({ _csrf: csrf, setupId, code: '000000', label: 'Tablet' }).expect(401);
      assert.equal(totpSecretFrom(mistyped.text), secret, 'a fresh session sees its own set-up again after a typo');
      assert.equal(mistyped.headers['cache-control'], 'no-store', 'and that page is not cached either');

      site.clock.advance(ELEVEN_MINUTES);
      const userId = await userIdOf(site, 'halfdone');
      const stale = await browser.agent.post('/user/security/totp/confirm').type('form').send({ _csrf: csrf, setupId, code: await codeFor(secret, site.clock.time), label: 'Tablet' }).expect(403);
      assert.match(stale.text, /Verify it’s you/);
      assert.doesNotMatch(stale.text, /data-testid="setup-secret"/, 'the secret is not shown again');
      assert.doesNotMatch(stale.text, /otpauth:/);
      const retyped = await browser.agent.post('/user/security/totp/confirm').type('form').send({ _csrf: csrf, setupId, code: '000000', label: 'Tablet' }).expect(403);
      assert.doesNotMatch(retyped.text, /data-testid="setup-secret"/);
      await browser.agent.post('/user/security/email/confirm').type('form').send({ _csrf: csrf, code: '123456' }).expect(403);
      await browser.agent.post('/user/security/recovery-codes/confirm').type('form').send({ _csrf: csrf, setupId: '1' }).expect(403);
      await browser.agent.post('/user/security/webauthn/confirm').type('form').send({ _csrf: csrf, setupId: '1', response: '{}' }).expect(403);
      const user = (await site.mfa.registry.host.findUserById(userId))!;
      assert.equal((await site.mfa.enrolment.devices(user)).filter((d) => d.factor === 'totp').length, 1, 'the second app was not added');
    });

    it('does not count a web login made while MFA was off as a recent pass once MFA is back on (issue 11 finding 8)', async () => {
      await site.addUser('offlogin');
      const first = site.browser();
      await first.login('offlogin');
      await addAuthenticatorApp(site, first);
      await first.logout();
      await site.mfa.settings.set('enabled', false, 'admin');
      const browser = site.browser();
      try {
        assert.equal((await browser.login('offlogin')).headers.location, '/my', 'MFA off: the password alone logs in');
      } finally {
        await site.mfa.settings.set('enabled', true, 'admin');
      }
      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /confirm it’s you first/);
      const setup = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Thief phone' }).expect(403);
      assert.match(setup.text, /Verify it’s you/);
      await browser.agent.post('/user/security/tokens').type('form').send({ _csrf: csrfFrom(security.text), name: 'x', lifetime: '90' }).expect(403);
    });
  });
}
