import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { MFA_CODE_MISSING } from '../../adapters/express/api/sessionRoutes.ts';
import { findUserByUsername } from '../../lms/users.ts';
import { recoveryCodesFactor } from '../../plugin/factors/recovery-codes/index.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

const basic = (username: string, password = TEST_PASSWORD) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

for (const kind of databaseKinds) {
  describe(`the JSON API (/api/v1) sessions, Basic auth and TOTP self-service on ${kind}`, () => {
    let site: TestSite;
    const api = () => supertest(site.app);
    const secrets = new Map<string, string>();

    async function enrolTotp(username: string): Promise<void> {
      const user = await findUserByUsername(site.database.db, username);
      assert.ok(user);
      const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, {});
      await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: username, ip: null });
      secrets.set(username, setup.secret);
      site.clock.advance(30_000);
    }
    /** The code the user's app shows now; the clock moves on a step, as the codes are single-use. */
    async function currentCode(username: string): Promise<string> {
      const code = await codeFor(secrets.get(username) ?? '', site.clock.time);
      return code;
    }
    async function sessionFor(username: string, withCode = true): Promise<string> {
      const body: Record<string, string> = { username, password: TEST_PASSWORD };
      if (withCode && secrets.has(username)) body.code = await currentCode(username);
      const res = await api().post('/api/v1/session').send(body).expect(201);
      site.clock.advance(30_000);
      return res.body.session;
    }

    before(async () => {
      site = await createTestSite(kind);
      for (const name of ['plain', 'guarded', 'basic-user', 'locker', 'self-service']) await site.addUser(name);
      await enrolTotp('guarded');
      await enrolTotp('basic-user');
      await enrolTotp('locker');
    });
    after(() => site.close());

    it('gives a user without MFA a session on the password alone, and knows them by it', async () => {
      const res = await api().post('/api/v1/session').send({ username: 'plain', password: TEST_PASSWORD }).expect(201);
      assert.match(res.body.session, /^mbs_[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(res.body.expiresAt) > site.clock.time);
      assert.equal(res.headers['cache-control'], 'no-store');
      const me = await api().get('/api/v1/me').set('Authorization', `Bearer ${res.body.session}`).expect(200);
      assert.equal(me.body.username, 'plain');
      assert.equal(me.body.email, 'plain@example.test');
      assert.equal(me.body.via, 'session');
      assert.deepEqual(me.body.mfa.factors, []);
      assert.equal(me.body.mfa.enabled, false);
    });

    it('refuses a session to a user with MFA and no code, in MediaSilo’s words', async () => {
      const res = await api().post('/api/v1/session').send({ username: 'guarded', password: TEST_PASSWORD }).expect(401);
      assert.deepEqual(res.body, { error: MFA_CODE_MISSING, code: 'MFA_CODE_REQUIRED', factors: ['totp'] });
      assert.equal(MFA_CODE_MISSING, 'This user has MFA enabled but no code was provided.');
    });

    it('refuses a wrong code with the tries left, takes the right one once, and refuses it a second time', async () => {
      const wrong = await api().post('/api/v1/session').send({ username: 'guarded', password: TEST_PASSWORD, code: '000000' }).expect(401);
      assert.equal(wrong.body.code, 'INVALID_CODE');
      assert.equal(wrong.body.triesLeft, 9);
      const code = await currentCode('guarded');
      const res = await api().post('/api/v1/session').send({ username: 'guarded', password: TEST_PASSWORD, code }).expect(201);
      const me = await api().get('/api/v1/me').set('Authorization', `Bearer ${res.body.session}`).expect(200);
      assert.equal(me.body.mfa.enabled, true);
      assert.equal(me.body.mfa.passedAt, new Date(site.clock.time).toISOString());
      const replay = await api().post('/api/v1/session').send({ username: 'guarded', password: TEST_PASSWORD, code }).expect(401);
      assert.equal(replay.body.code, 'INVALID_CODE');
      site.clock.advance(30_000);
    });

    it('answers bad input with a 400 that names the field, and a wrong password with 401', async () => {
      const missing = await api().post('/api/v1/session').send({ username: 'plain' }).expect(400);
      assert.deepEqual(missing.body, { error: 'password is required.', code: 'INVALID_INPUT', field: 'password' });
      const array = await api().post('/api/v1/session').send({ username: ['plain'], password: TEST_PASSWORD }).expect(400);
      assert.equal(array.body.field, 'username');
      const notJson = await api().post('/api/v1/session').set('Content-Type', 'application/json').send('{"username":').expect(400);
      assert.equal(notJson.body.code, 'INVALID_INPUT');
      const wrong = await api().post('/api/v1/session').send({ username: 'plain', password: 'nope' }).expect(401);
      assert.equal(wrong.body.code, 'INVALID_LOGIN');
      const unknown = await api().get('/api/v1/nothing-here').set('Authorization', basic('plain')).expect(404);
      assert.equal(unknown.body.code, 'NOT_FOUND');
    });

    it('refuses calls without a credential, or with a made-up one', async () => {
      const none = await api().get('/api/v1/me').expect(401);
      assert.equal(none.body.code, 'INVALID_LOGIN');
      assert.match(String(none.headers['www-authenticate']), /Bearer/);
      for (const made of ['mbs_made-up', 'mbi_made-up', 'anything']) {
        const res = await api().get('/api/v1/me').set('Authorization', `Bearer ${made}`).expect(401);
        assert.equal(res.body.code, 'INVALID_TOKEN');
      }
    });

    it('ends a session at once on logout', async () => {
      const session = await sessionFor('plain');
      await api().delete('/api/v1/session').set('Authorization', `Bearer ${session}`).expect(204);
      const after = await api().get('/api/v1/me').set('Authorization', `Bearer ${session}`).expect(401);
      assert.equal(after.body.code, 'INVALID_TOKEN');
    });

    it('ends a session when it expires', async () => {
      const session = await sessionFor('plain');
      await api().get('/api/v1/me').set('Authorization', `Bearer ${session}`).expect(200);
      site.clock.advance(8 * 3600_000 + 1);
      await api().get('/api/v1/me').set('Authorization', `Bearer ${session}`).expect(401);
    });

    it('lets Basic auth through with a current code in X-MFA-Code, and answers 403 without one or with a spent one', async () => {
      await api().get('/api/v1/me').set('Authorization', basic('plain')).expect(200);
      const without = await api().get('/api/v1/me').set('Authorization', basic('basic-user')).expect(403);
      assert.equal(without.body.code, 'MFA_CODE_REQUIRED');
      const wrong = await api().get('/api/v1/me').set('Authorization', basic('basic-user')).set('X-MFA-Code', '000000').expect(403);
      assert.equal(wrong.body.code, 'INVALID_CODE');
      const code = await currentCode('basic-user');
      const me = await api().get('/api/v1/me').set('Authorization', basic('basic-user')).set('X-MFA-Code', code).expect(200);
      assert.equal(me.body.via, 'basic');
      // Codes are single-use: a script sending the same header again is refused until the next code.
      await api().get('/api/v1/me').set('Authorization', basic('basic-user')).set('X-MFA-Code', code).expect(403);
      const badPassword = await api().get('/api/v1/me').set('Authorization', basic('basic-user', 'wrong')).expect(401);
      assert.equal(badPassword.body.code, 'INVALID_LOGIN');
      site.clock.advance(30_000);
    });

    it('counts wrong API codes toward the same lockout as the web login', async () => {
      await site.mfa.settings.set('lockout_threshold', 3, 'admin');
      try {
        for (const triesLeft of [2, 1]) {
          const res = await api().post('/api/v1/session').send({ username: 'locker', password: TEST_PASSWORD, code: '000000' }).expect(401);
          assert.equal(res.body.triesLeft, triesLeft);
        }
        await api().get('/api/v1/me').set('Authorization', basic('locker')).set('X-MFA-Code', '000000').expect(403);
        const right = await api().post('/api/v1/session').send({ username: 'locker', password: TEST_PASSWORD, code: await currentCode('locker') }).expect(403);
        assert.equal(right.body.code, 'FACTOR_LOCKED');
        const browser = site.browser();
        await browser.login('locker');
        const page = await browser.agent.get('/mfa');
        assert.match(page.text, /locked after too many wrong codes/);
      } finally {
        await site.mfa.settings.set('lockout_threshold', 10, 'admin');
      }
    });

    it('sets up an authenticator app for the caller alone: key and QR code, confirm with a code, then MFA is on', async () => {
      const session = await sessionFor('self-service');
      const key = await api().post('/api/v1/mfa/key').set('Authorization', `Bearer ${session}`).send({ username: 'plain' }).expect(201);
      assert.match(key.body.key, /^[A-Z2-7]{32}$/);
      assert.match(key.body.otpauthUrl, /^otpauth:\/\/totp\/.*self-service/);
      assert.doesNotMatch(key.body.otpauthUrl, /plain/);
      assert.match(key.body.qrCode, /^data:image\/svg\+xml;base64,/);
      assert.match(Buffer.from(key.body.qrCode.split(',')[1], 'base64').toString(), /<svg/);
      const wrong = await api().post('/api/v1/mfa').set('Authorization', `Bearer ${session}`).send({ code: '000000' }).expect(401);
      assert.equal(wrong.body.code, 'INVALID_CODE');
      const enabled = await api()
        .post('/api/v1/mfa')
        .set('Authorization', `Bearer ${session}`)
        .send({ code: await codeFor(key.body.key, site.clock.time) })
        .expect(201);
      assert.equal(enabled.body.enabled, true);
      secrets.set('self-service', key.body.key);
      site.clock.advance(30_000);
      await api().post('/api/v1/session').send({ username: 'self-service', password: TEST_PASSWORD }).expect(401);
      const plain = await api().get('/api/v1/me').set('Authorization', basic('plain')).expect(200);
      assert.equal(plain.body.mfa.enabled, false, 'nobody else got a factor');
    });

    it('says a set-up key expired after 15 minutes', async () => {
      const session = await sessionFor('plain');
      const key = await api().post('/api/v1/mfa/key').set('Authorization', `Bearer ${session}`).expect(201);
      site.clock.advance(16 * 60_000);
      const late = await api().post('/api/v1/mfa').set('Authorization', `Bearer ${session}`).send({ code: await codeFor(key.body.key, site.clock.time) }).expect(410);
      assert.equal(late.body.code, 'SETUP_EXPIRED');
    });

    it('removes the authenticator app only after a recent MFA pass', async () => {
      const session = await sessionFor('self-service');
      site.clock.advance(11 * 60_000);
      const stale = await api().delete('/api/v1/mfa').set('Authorization', `Bearer ${session}`).expect(403);
      assert.equal(stale.body.code, 'RECENT_MFA_REQUIRED');
      const secondKey = await api().post('/api/v1/mfa/key').set('Authorization', `Bearer ${session}`).expect(403);
      assert.equal(secondKey.body.code, 'RECENT_MFA_REQUIRED', 'adding a second factor needs a recent pass too');
      const fresh = await sessionFor('self-service');
      const removed = await api().delete('/api/v1/mfa').set('Authorization', `Bearer ${fresh}`).expect(200);
      assert.equal(removed.body.removed, 1);
      const me = await api().get('/api/v1/me').set('Authorization', `Bearer ${fresh}`).expect(200);
      assert.equal(me.body.mfa.enabled, false);
      await api().delete('/api/v1/mfa').set('Authorization', `Bearer ${fresh}`).expect(404);
    });

    it('takes a recovery code instead of the app’s code, once', async () => {
      await site.addUser('lost-phone');
      await enrolTotp('lost-phone');
      const user = await findUserByUsername(site.database.db, 'lost-phone');
      assert.ok(user);
      const setup = await site.mfa.enrolment.beginSetup(user, recoveryCodesFactor, {});
      await site.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId: setup.setupId }, { actor: 'lost-phone', ip: null });
      const code = setup.codes[0] ?? '';
      const body = { username: 'lost-phone', password: TEST_PASSWORD, code, factor: 'recovery_codes' };
      const asked = await api().post('/api/v1/session').send({ username: 'lost-phone', password: TEST_PASSWORD }).expect(401);
      assert.deepEqual(asked.body.factors, ['totp', 'recovery_codes']);
      await api().post('/api/v1/session').send(body).expect(201);
      const again = await api().post('/api/v1/session').send(body).expect(401);
      assert.equal(again.body.code, 'INVALID_CODE');
      assert.ok(site.mail.some((m) => m.to === 'lost-phone@example.test' && /recovery code/i.test(m.subject)), 'the owner is told a recovery code was used');
    });

    it('holds wrong API passwords back per account and address, also under parallel guesses, as every other door does', async () => {
      await site.addUser('guessed');
      await site.mfa.settings.set('password_failures_before_delay', 3, 'admin');
      try {
        const guess = () => api().post('/api/v1/session').send({ username: 'guessed', password: 'not it' });
        const statuses = (await Promise.all([1, 2, 3, 4, 5, 6].map(() => guess()))).map((r) => r.status).sort();
        assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429], 'exactly three passwords were checked');
        const right = await api().post('/api/v1/session').send({ username: 'guessed', password: TEST_PASSWORD }).expect(429);
        assert.equal(right.body.code, 'RATE_LIMITED');
        assert.match(right.body.error, /Too many wrong passwords for this account from your address\. Try again in 1 minute\./);
        assert.equal(right.headers['retry-after'], '60');
        await api().get('/api/v1/me').set('Authorization', basic('guessed')).expect(429);
        await api().post('/api/v1/session').send({ username: 'plain', password: TEST_PASSWORD }).expect(201);
        site.clock.advance(60_000);
        await api().post('/api/v1/session').send({ username: 'guessed', password: TEST_PASSWORD }).expect(201);
        // A right password starts the count over: logging in often never counts.
        for (let i = 0; i < 4; i++) await api().get('/api/v1/me').set('Authorization', basic('guessed')).expect(200);
      } finally {
        await site.mfa.settings.set('password_failures_before_delay', 5, 'admin');
      }
    });
  });
}
