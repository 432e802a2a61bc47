import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';

for (const kind of databaseKinds) {
  describe(`admin users pages on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('admin', undefined, true);
    });
    after(() => site.close());

    async function hostUser(username: string): Promise<HostUser> {
      const user = await site.mfa.registry.context(await site.mfa.settings.snapshot()).host.findUserByUsername(username);
      assert.ok(user);
      return user;
    }

    /** A user with an authenticator app, set up through the plugin as the security page does. */
    async function userWithTotp(username: string, label = 'Phone'): Promise<{ user: HostUser; secret: string }> {
      await site.addUser(username);
      const user = await hostUser(username);
      const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, { label });
      await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: username, ip: null });
      site.clock.advance(30_000);
      return { user, secret: setup.secret };
    }

    async function adminBrowser() {
      const browser = site.browser();
      await browser.login('admin');
      return browser;
    }

    it('finds users by part of their name and shows their factors, never a secret', async () => {
      const { user, secret } = await userWithTotp('maria.lopez', 'Maria’s Pixel');
      const browser = await adminBrowser();
      const results = await browser.agent.get('/admin/mfa/users').query({ q: 'LOPEZ' }).expect(200);
      assert.match(results.text, new RegExp(`<a href="/admin/mfa/users/${user.id}">maria.lopez</a>`));
      const none = await browser.agent.get('/admin/mfa/users').query({ q: 'nobody_%' }).expect(200);
      assert.match(none.text, /No user matches “nobody_%”/, 'LIKE wildcards match only themselves');
      const detail = await browser.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      assert.match(detail.text, /<td>Maria’s Pixel<\/td><td>Authenticator app<\/td>/);
      assert.doesNotMatch(detail.text, new RegExp(secret));
      assert.match(detail.text, /factor added/);
      await browser.agent.get('/admin/mfa/users/999999').expect(404);
    });

    it('answers 403 to a user who is not an admin, even about their own record, and resets nothing', async () => {
      await site.addUser('curious');
      const user = await hostUser('curious');
      const { user: other } = await userWithTotp('bystander');
      const browser = site.browser();
      assert.equal((await browser.login('curious')).headers.location, '/my');
      const refused = await browser.agent.get(`/admin/mfa/users/${user.id}`).expect(403);
      assert.match(refused.text, /<h1>Not allowed<\/h1>/);
      assert.match(refused.text, /class="skip-link"/, 'in the site’s own page shell');
      await browser.agent.get('/admin/mfa/users').query({ q: 'bystander' }).expect(403);
      const csrf = csrfFrom((await browser.agent.get('/my')).text);
      await browser.agent.post(`/admin/mfa/users/${other.id}/reset`).type('form').send({ _csrf: csrf, reason: 'because' }).expect(403);
      assert.equal((await site.mfa.enrolment.devices(other)).length, 1);
    });

    it('keeps an admin who has not passed MFA out of the admin pages', async () => {
      const { user: admin2 } = await userWithTotp('admin2');
      await site.database.db('lms_users').where({ id: Number(admin2.id) }).update({ is_admin: true });
      const browser = site.browser();
      const login = await browser.login('admin2');
      assert.equal(login.headers.location, '/mfa');
      await browser.agent.get('/admin/mfa/settings').expect(302).expect('location', '/mfa');
    });

    it('refuses a reset without a reason and removes nothing', async () => {
      const { user } = await userWithTotp('noreason');
      const browser = await adminBrowser();
      const page = await browser.agent.get(`/admin/mfa/users/${user.id}`);
      const refused = await browser.agent.post(`/admin/mfa/users/${user.id}/reset`).type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', reason: '  ' }).expect(400);
      assert.match(refused.text, /<p id="reset-reason-error" class="error">Give a reason/);
      assert.match(refused.text, /id="reset-reason"[^>]*aria-describedby="reset-reason-error reset-reason-hint" aria-invalid="true"/);
      assert.equal((await site.mfa.enrolment.devices(user)).length, 1);
      await browser.agent.post(`/admin/mfa/users/${user.id}/reset`).type('form').send({ factor: 'totp', reason: 'no token' }).expect(403);
      assert.equal((await site.mfa.enrolment.devices(user)).length, 1, 'nor without the CSRF token');
    });

    it('resets a lost authenticator app with a reason; the user then logs in without MFA', async () => {
      const { user } = await userWithTotp('lostphone');
      const before = site.browser();
      assert.equal((await before.login('lostphone')).headers.location, '/mfa', 'MFA is asked before the reset');
      const browser = await adminBrowser();
      const page = await browser.agent.get(`/admin/mfa/users/${user.id}`);
      const reset = await browser.agent
        .post(`/admin/mfa/users/${user.id}/reset`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), factor: 'totp', reason: 'Phone lost; ID checked at the desk' })
        .expect(303);
      assert.equal(reset.headers.location, `/admin/mfa/users/${user.id}`);
      const after = await browser.agent.get(`/admin/mfa/users/${user.id}`);
      assert.match(after.text, /role="status">Authenticator app reset for lostphone: 1 removed/);
      assert.match(after.text, /No factor is set up/);
      assert.match(after.text, /Reason: Phone lost; ID checked at the desk/);
      const [row] = await site.mfa.audit.recent({ userId: user.id, event: 'factor_reset' });
      assert.equal(row?.actor, 'admin');
      assert.equal(row?.detail?.reason, 'Phone lost; ID checked at the desk');
      const login = await site.browser().login('lostphone');
      assert.equal(login.headers.location, '/my');
    });

    it('unlocks a locked factor: the device stays and its code works again', async () => {
      const { user, secret } = await userWithTotp('locked');
      await site.mfa.settings.set('lockout_threshold', 2, 'test');
      try {
        const student = site.browser();
        await student.login('locked');
        let mfaPage = await student.agent.get('/mfa');
        for (let i = 0; i < 2; i++) mfaPage = await student.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(mfaPage.text), factor: 'totp', code: '000000' });
        assert.equal(mfaPage.status, 403);
        assert.match(mfaPage.text, /locked/);

        const browser = await adminBrowser();
        const page = await browser.agent.get(`/admin/mfa/users/${user.id}`);
        assert.match(page.text, /Authenticator app: 2 of 2 failed inputs\s*<span class="badge">locked<\/span>/);
        await browser.agent.post(`/admin/mfa/users/${user.id}/unlock`).type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp' }).expect(303);
        const after = await browser.agent.get(`/admin/mfa/users/${user.id}`);
        assert.match(after.text, /role="status">Unlocked for locked: Authenticator app/);
        assert.match(after.text, /<td>Phone<\/td>/, 'the device stays');
        const retry = await student.agent.get('/mfa').expect(200);
        await student.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(retry.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
      } finally {
        await site.mfa.settings.set('lockout_threshold', 10, 'test');
      }
    });

    it('offers an admin no way to set up a factor for someone else', async () => {
      await site.addUser('nofactor');
      const user = await hostUser('nofactor');
      const browser = await adminBrowser();
      const page = await browser.agent.get(`/admin/mfa/users/${user.id}`);
      assert.doesNotMatch(page.text, /action="[^"]*(setup|enrol|confirm)/);
      for (const path of ['totp/setup', 'totp/confirm', 'factors', 'email/setup']) {
        await browser.agent.post(`/admin/mfa/users/${user.id}/${path}`).type('form').send({ _csrf: csrfFrom(page.text), label: 'planted' }).expect(404);
      }
      assert.deepEqual(await site.mfa.enrolment.devices(user), []);
    });

    it('reports per factor the users set up, passed in the period and locked', async () => {
      const { secret } = await userWithTotp('reported');
      const student = site.browser();
      await student.login('reported');
      const mfaPage = await student.agent.get('/mfa');
      await student.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(mfaPage.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
      const browser = await adminBrowser();
      const report = await browser.agent.get('/admin/mfa/report').query({ days: 7 }).expect(200);
      const totpRow = /<tr data-factor="totp">(.*?)<\/tr>/.exec(report.text)?.[1] ?? '';
      const cells = [...totpRow.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
      const enrolled = await site.database.db('mfa_user_factors').where({ factor: 'totp' }).whereNotNull('confirmed_at').countDistinct({ n: 'user_id' }).first();
      assert.deepEqual(cells, [String(enrolled?.n), '2', '0'], 'set up by everyone enrolled; passed by "reported" and "locked"');
      assert.match(report.text, /<option value="7" selected>/);
    });

    it('lists a user’s identity tokens and app tokens, and revokes one so it stops at once', async () => {
      await site.addUser('scripter');
      const user = await hostUser('scripter');
      const { token, record } = await site.mfa.identityTokens.create(user.id, { name: 'Nightly <sync>', expiresAt: null, scope: ['site:read'] }, { ip: null, door: 'api' });
      const browser = await adminBrowser();
      const detail = await browser.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      assert.match(detail.text, /<td class="token-name">Nightly &lt;sync&gt;<\/td><td data-label="Kind">Identity token<\/td><td data-label="Scope">site:read<\/td>/);
      assert.doesNotMatch(detail.text, new RegExp(token.slice(4)));
      await browser.agent.post(`/admin/mfa/users/${user.id}/tokens/revoke`).type('form').send({ _csrf: csrfFrom(detail.text), token: `identity:${record.id}` }).expect(303);
      const after = await browser.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      assert.match(after.text, /Token revoked for scripter/);
      assert.match(after.text, /no identity tokens or app tokens/);
      assert.equal(await site.mfa.identityTokens.authenticate(token, null), null, 'the token no longer works');
      const [audit] = await site.mfa.audit.recent({ event: 'identity_token_revoked', userId: user.id });
      assert.equal(audit?.actor, 'admin');
      const refused = await browser.agent.post(`/admin/mfa/users/${user.id}/tokens/revoke`).type('form').send({ _csrf: csrfFrom(after.text), token: `identity:${record.id}` }).expect(303);
      assert.equal(refused.headers.location, `/admin/mfa/users/${user.id}`);
    });
  });
}
