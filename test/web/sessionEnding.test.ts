import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { storedSessionKey } from '../../adapters/express/knexSessionStore.ts';
import type { LmsHost } from '../../lms/lmsHost.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { runCliInProcess } from '../cli/runCliInProcess.ts';
import { databaseKinds } from '../support/databases.ts';
import { loggedInWithApp, passWithCode, userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';

/** The session id inside an `lms_session=s:<sid>.<signature>` cookie pair. */
function sidOf(cookie: string | undefined): string {
  const sid = /^s:([^.]+)\./.exec(decodeURIComponent((cookie ?? '').slice('lms_session='.length)))?.[1];
  assert.ok(sid, 'a signed session cookie');
  return sid;
}

for (const kind of databaseKinds) {
  describe(`ending sessions on ${kind}`, () => {
    let site: TestSite;
    let host: LmsHost;
    before(async () => {
      site = await createTestSite(kind);
      host = site.mfa.registry.host as LmsHost;
      await site.addUser('admin', undefined, true);
    });
    after(() => site.close());

    const sessionKeys = async (userId: string) => (await site.database.db('lms_sessions').where({ user_id: userId }).select('sid')).map((row: { sid: string }) => row.sid);
    const sessionRows = (userId: string) => site.database.db('lms_sessions').where({ user_id: userId }).count({ n: '*' }).first().then((row) => Number(row?.n));
    async function hostUser(username: string): Promise<HostUser> {
      const user = await host.findUserByUsername(username);
      assert.ok(user);
      return user;
    }
    /** Every kind of credential the user can hold besides a browser session. */
    async function credentialsOf(user: HostUser) {
      const api = await site.mfa.apiSessions.open(user.id, { hours: 8, mfaPassedAt: site.clock.now(), ip: null });
      const identity = await site.mfa.identityTokens.create(user.id, { name: 'backup script', scope: [], expiresAt: null }, { ip: null, door: 'web' });
      const app = await host.issueServiceToken(user, 'moodle_mobile_app');
      return {
        apiWorks: async () => (await site.mfa.apiSessions.authenticate(api.token)) !== null,
        identityWorks: async () => (await site.mfa.identityTokens.authenticate(identity.token, null)) !== null,
        appWorks: async () => (await host.useServiceToken(app.token)) !== null,
      };
    }

    it('stores only the SHA-256 of a session id, with its user', async () => {
      await site.addUser('hashed');
      const browser = site.browser();
      const login = await browser.login('hashed');
      const sid = sidOf(browser.sessionCookie());
      assert.equal(login.headers.location, '/my');
      assert.equal(await site.database.db('lms_sessions').where({ sid }).first(), undefined, 'the id itself is nowhere');
      const row = await site.database.db('lms_sessions').where({ sid: storedSessionKey(sid) }).first('user_id');
      assert.equal(row?.user_id, await userIdOf(site, 'hashed'));
      await browser.agent.get('/my').expect(200);
    });

    it('writes no session row for anonymous visitors of the login page, and the login still works', async () => {
      const before = Number((await site.database.db('lms_sessions').count({ n: '*' }).first())?.n);
      const visitors = Array.from({ length: 5 }, () => site.browser());
      for (const visitor of visitors) {
        const page = await visitor.agent.get('/login').expect(200);
        assert.equal(visitor.sessionCookie(), undefined);
        assert.ok(csrfFrom(page.text));
      }
      assert.equal(Number((await site.database.db('lms_sessions').count({ n: '*' }).first())?.n), before);
      // The form's token is bound to the visitor's own cookie: another visitor's token is refused.
      await site.addUser('anonymous.then.in');
      const [first, second] = visitors as [TestBrowser, TestBrowser];
      const firstForm = await first.agent.get('/login');
      const refused = await second.agent.post('/login').type('form').send({ _csrf: csrfFrom(firstForm.text), username: 'anonymous.then.in', password: 'a long test password' });
      assert.equal(refused.status, 403);
      // A cookie tossed in by a sibling site, with a token of its choosing, is not ours: its signature is wrong.
      const tossed = await supertest(site.app).post('/login').set('Cookie', 'lms_csrf=chosen-token.not-our-signature').type('form').send({ _csrf: 'chosen-token', username: 'anonymous.then.in', password: 'a long test password' });
      assert.equal(tossed.status, 403);
      assert.equal((await first.login('anonymous.then.in')).headers.location, '/my');
    });

    it('an admin reset signs the user out everywhere and revokes their tokens, as the page says', async () => {
      const { browser } = await loggedInWithApp(site, 'robbed');
      const user = await hostUser('robbed');
      const other = site.browser();
      await other.login('robbed');
      const held = await credentialsOf(user);
      const admin = site.browser();
      await admin.login('admin');
      const page = await admin.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      assert.match(page.text, /signs the user out everywhere: every browser session and API session ends/);
      assert.match(page.text, /<input type="checkbox" id="reset-revoke-tokens" name="revokeTokens" value="yes" checked/);
      await admin.agent
        .post(`/admin/mfa/users/${user.id}/reset`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), factor: '', reason: 'Phone stolen; identity checked at the desk', revokeTokens: 'yes' })
        .expect(303);
      assert.equal((await browser.agent.get('/user/security').expect(303)).headers.location, '/login?returnTo=/user/security');
      await other.agent.get('/my').expect(303);
      assert.equal(await sessionRows(user.id), 0);
      assert.deepEqual([await held.apiWorks(), await held.identityWorks(), await held.appWorks()], [false, false, false]);
      const [ended] = await site.mfa.audit.recent({ userId: user.id, event: 'sessions_ended' });
      assert.deepEqual(ended?.detail, { cause: 'factor_reset', webSessions: 2, apiSessions: 1, keptOwn: false });
      assert.equal(ended?.actor, 'admin');
      const flash = await admin.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      assert.match(flash.text, /3 sessions signed out\. 2 tokens revoked\./);
    });

    it('an admin reset keeps the tokens when the box is unticked, and still ends the sessions', async () => {
      await site.addUser('keeps.tokens');
      const user = await hostUser('keeps.tokens');
      const browser = site.browser();
      await browser.login('keeps.tokens');
      const held = await credentialsOf(user);
      const admin = site.browser();
      await admin.login('admin');
      const page = await admin.agent.get(`/admin/mfa/users/${user.id}`).expect(200);
      await admin.agent.post(`/admin/mfa/users/${user.id}/reset`).type('form').send({ _csrf: csrfFrom(page.text), factor: '', reason: 'Re-enrol' }).expect(303);
      await browser.agent.get('/my').expect(303);
      assert.deepEqual([await held.apiWorks(), await held.identityWorks(), await held.appWorks()], [false, true, true]);
    });

    it('a session from before a reset cannot set up the first factor: it must log in again', async () => {
      const { browser } = await loggedInWithApp(site, 'stale');
      const userId = await userIdOf(site, 'stale');
      const [sid] = await sessionKeys(userId);
      const saved = await site.database.db('lms_sessions').where({ sid }).first();
      assert.ok(saved, 'the one session of the user, past MFA');
      site.clock.advance(3600_000);
      await site.mfa.admin.resetUserFactors({ userId, reason: 'Phone lost', actor: 'admin' });
      // A host that could not end it (or a copy restored from a backup): the session row is back.
      await site.database.db('lms_sessions').insert(saved);
      const security = await browser.agent.get('/user/security').expect(200);
      const refused = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Thief phone' }).expect(303);
      assert.equal(refused.headers.location, '/login?returnTo=%2Fuser%2Fsecurity');
      assert.deepEqual(await site.mfa.enrolment.devices(await hostUser('stale')), []);
      await browser.agent.get('/user/security').expect(303);
      // A fresh login after the reset sets the first factor up with no second factor to ask for.
      site.clock.advance(1000);
      const fresh = site.browser();
      await fresh.login('stale');
      const page = await fresh.agent.get('/user/security').expect(200);
      await fresh.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(page.text), label: 'New phone' }).expect(200);
    });

    it('"Log out everywhere" ends every other browser and API session, keeps this one under a new id, and is audited', async () => {
      const { browser, secret } = await loggedInWithApp(site, 'everywhere');
      const user = await hostUser('everywhere');
      const other = site.browser();
      await other.login('everywhere');
      await passWithCode(site, other, secret);
      const held = await credentialsOf(user);
      const before = await sessionKeys(user.id);
      assert.equal(before.length, 2);
      const page = await browser.agent.get('/user/security').expect(200);
      assert.match(page.text, /action="\/user\/security\/sessions\/end"/);
      // Without the form's token: refused, nothing ended.
      await browser.agent.post('/user/security/sessions/end').type('form').send({}).expect(403);
      await other.agent.get('/my').expect(200);
      await browser.agent.post('/user/security/sessions/end').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      const after = await sessionKeys(user.id);
      assert.equal(after.length, 1);
      assert.ok(!before.includes(after[0] ?? ''), 'this browser goes on under a new session id');
      assert.match((await browser.agent.get('/user/security').expect(200)).text, /Signed out 2 other sessions\. This browser stays signed in\./);
      await other.agent.get('/my').expect(303);
      assert.equal(await held.apiWorks(), false);
      assert.equal(await held.identityWorks(), true, 'tokens are not sessions');
      const [ended] = await site.mfa.audit.recent({ userId: user.id, event: 'sessions_ended' });
      assert.deepEqual(ended?.detail, { cause: 'logout_everywhere', webSessions: 1, apiSessions: 1, keptOwn: true });
      assert.equal(ended?.ip, '127.0.0.1');
    });

    it('"This wasn\'t me" ends the session the reported login produced', async () => {
      await site.addUser('victim');
      const user = await hostUser('victim');
      const setup = (await site.mfa.enrolment.beginSetup(user, 'email', {})) as { setupId: number };
      const setupCode = /\b(\d{6})\b/.exec(site.mail.at(-1)?.text ?? '')?.[1];
      await site.mfa.enrolment.confirmSetup(user, 'email', { setupId: setup.setupId, code: setupCode }, { actor: 'victim', ip: null });
      // The attacker knows the password, and gets the code too (say, from a shared mailbox): a full session.
      const attacker = site.browser();
      assert.equal((await attacker.login('victim')).headers.location, '/mfa');
      const mfa = await attacker.agent.get('/mfa').expect(200);
      await attacker.agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(mfa.text), factor: 'email' }).expect(303);
      const mail = site.mail.at(-1)?.text ?? '';
      const code = /\b(\d{6})\b/.exec(mail)?.[1];
      const link = /http:\/\/localhost(\/mfa\/not-me\?token=\S+)/.exec(mail)?.[1];
      assert.ok(code && link);
      const form = await attacker.agent.get('/mfa?factor=email').expect(200);
      await attacker.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(form.text), factor: 'email', code }).expect(303);
      await attacker.agent.get('/my').expect(200);
      // The owner reports it from the mail.
      const owner = site.browser();
      const ask = await owner.agent.get(link).expect(200);
      const token = /name="token" value="([^"]+)"/.exec(ask.text)?.[1];
      const done = await owner.agent.post('/mfa/not-me').type('form').send({ _csrf: csrfFrom(ask.text), token }).expect(200);
      assert.match(done.text, /signed your account out everywhere/);
      await attacker.agent.get('/my').expect(303);
      const [ended] = await site.mfa.audit.recent({ userId: user.id, event: 'sessions_ended' });
      assert.equal(ended?.detail?.cause, 'not_me_reported');
      assert.equal(ended?.detail?.webSessions, 1);
    });

    it('a suspended user’s session is refused on every page and can enrol nothing, before and after reinstatement', async () => {
      await site.addUser('suspended.later');
      const user = await hostUser('suspended.later');
      const browser = site.browser();
      await browser.login('suspended.later');
      const page = await browser.agent.get('/user/security').expect(200);
      // Suspended straight in the host's table, as another admin tool might: the check before every route holds anyway.
      await site.database.db('lms_users').where({ id: Number(user.id) }).update({ suspended: true });
      const setup = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(page.text), label: 'x' }).expect(401);
      assert.match(setup.text, /suspended or removed/);
      assert.deepEqual(await site.mfa.enrolment.devices(user), []);
      await site.database.db('lms_users').where({ id: Number(user.id) }).update({ suspended: false });
      assert.equal((await browser.agent.get('/user/security').expect(303)).headers.location, '/login?returnTo=/user/security');
      assert.equal(await sessionRows(user.id), 0);
    });

    it('`user suspend` ends every browser and API session at once, and they stay ended after `user reinstate`', async () => {
      await site.addUser('cli.suspended');
      const user = await hostUser('cli.suspended');
      const browser = site.browser();
      await browser.login('cli.suspended');
      const held = await credentialsOf(user);
      const run = await runCliInProcess(['user', 'suspend', 'cli.suspended'], site.database.url);
      assert.deepEqual(run, { code: 0, stdout: 'Suspended cli.suspended; 2 sessions signed out.', stderr: '' });
      const [ended] = await site.mfa.audit.recent({ userId: user.id, event: 'sessions_ended' });
      assert.deepEqual(ended?.detail, { cause: 'account_suspended', webSessions: 1, apiSessions: 1, keptOwn: false });
      assert.equal((await runCliInProcess(['user', 'reinstate', 'cli.suspended'], site.database.url)).stdout, 'Reinstated cli.suspended: they can log in again.');
      await browser.agent.get('/my').expect(303);
      assert.equal(await held.apiWorks(), false);
      assert.equal((await site.browser().login('cli.suspended')).headers.location, '/my');
    });
  });
}
