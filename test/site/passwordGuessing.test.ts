import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { csrfFrom, createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';
import { runCliInProcess } from '../cli/runCliInProcess.ts';

const ATTACKER = { 'X-Forwarded-For': '203.0.113.66' };
const OWNER = { 'X-Forwarded-For': '198.51.100.7' };
const GUESSES = 120;
const PAIR_REFUSAL = 'Too many wrong passwords for this account from your address. Try again in 1 minute.';

/** The red-team scenario of issue 11 finding 4, door by door: 120 wrong guesses, then the right password. */
for (const kind of databaseKinds) {
  describe(`password guessing at every door on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      await site.mfa.settings.set('trust_proxy', true, 'test');
    });
    after(() => site.close());

    async function webLogin(agent: supertest.Agent, csrf: string, username: string, password: string, headers: Record<string, string>) {
      return agent.post('/login').set(headers).type('form').send({ _csrf: csrf, username, password });
    }

    it('/login: 5 wrong passwords are compared, the other 115 and then the right one get 429 with the wait', async () => {
      await site.addUser('web-victim');
      const attacker = supertest.agent(site.app);
      const csrf = csrfFrom((await attacker.get('/login').set(ATTACKER)).text);
      const statuses: number[] = [];
      for (let i = 0; i < GUESSES; i++) statuses.push((await webLogin(attacker, csrf, 'web-victim', `guess ${i}`, ATTACKER)).status);
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.ok(statuses.slice(5).every((s) => s === 429), `then only 429: ${statuses.slice(5).join(',')}`);
      const right = await webLogin(attacker, csrf, 'web-victim', TEST_PASSWORD, ATTACKER);
      assert.equal(right.status, 429, 'the right password is refused while the address waits');
      assert.equal(right.headers['retry-after'], '60');
      assert.ok(right.text.includes(PAIR_REFUSAL), 'the page says why and for how long');
      assert.equal(right.headers.location, undefined);
      // The owner, elsewhere, is not locked out.
      const owner = supertest.agent(site.app);
      const ownerCsrf = csrfFrom((await owner.get('/login').set(OWNER)).text);
      assert.equal((await webLogin(owner, ownerCsrf, 'web-victim', TEST_PASSWORD, OWNER)).status, 303);
    });

    it('/login/token.php: HTTP 200 and invalidlogin throughout, the wait in the text and in Retry-After', async () => {
      await site.addUser('app-victim');
      const ask = (password: string, headers: Record<string, string>) =>
        supertest(site.app).post('/login/token.php').set(headers).type('form').send({ username: 'app-victim', password, service: 'moodle_mobile_app' });
      const answers: Array<{ status: number; errorcode: string; error: string }> = [];
      for (let i = 0; i < GUESSES; i++) {
        const res = await ask(`guess ${i}`, ATTACKER);
        answers.push({ status: res.status, errorcode: res.body.errorcode, error: res.body.error });
      }
      assert.ok(answers.every((a) => a.status === 200 && a.errorcode === 'invalidlogin'), 'Moodle’s contract: 200 with an errorcode');
      assert.ok(answers.slice(0, 5).every((a) => a.error === 'Invalid login, please try again'));
      assert.ok(answers.slice(5).every((a) => a.error === PAIR_REFUSAL));
      const right = await ask(TEST_PASSWORD, ATTACKER);
      assert.equal(right.status, 200);
      assert.deepEqual([right.body.errorcode, right.body.error, right.body.token], ['invalidlogin', PAIR_REFUSAL, undefined]);
      assert.equal(right.headers['retry-after'], '60');
      assert.ok((await ask(TEST_PASSWORD, OWNER)).body.token, 'the owner’s app, elsewhere, gets its token');
    });

    it('JSON API: 429 RATE_LIMITED for sessions and Basic alike once the address waits; the owner elsewhere gets in', async () => {
      await site.addUser('api-victim');
      const session = (password: string, headers: Record<string, string>) => supertest(site.app).post('/api/v1/session').set(headers).send({ username: 'api-victim', password });
      const statuses: number[] = [];
      for (let i = 0; i < GUESSES; i++) statuses.push((await session(`guess ${i}`, ATTACKER)).status);
      assert.deepEqual([statuses.filter((s) => s === 401).length, statuses.filter((s) => s === 429).length], [5, 115]);
      const right = await session(TEST_PASSWORD, ATTACKER).expect(429);
      assert.deepEqual([right.body.code, right.body.error, right.body.retryAfterSeconds, right.headers['retry-after']], ['RATE_LIMITED', PAIR_REFUSAL, 60, '60']);
      const basic = `Basic ${Buffer.from(`api-victim:${TEST_PASSWORD}`).toString('base64')}`;
      await supertest(site.app).get('/api/v1/me').set(ATTACKER).set('Authorization', basic).expect(429);
      await session(TEST_PASSWORD, OWNER).expect(201);
    });

    it('is one throttle: guesses at the login page hold token.php and the API back too, and an admin can clear it', async () => {
      await site.addUser('cross-door');
      const agent = supertest.agent(site.app);
      const csrf = csrfFrom((await agent.get('/login').set(ATTACKER)).text);
      for (let i = 0; i < 5; i++) assert.equal((await webLogin(agent, csrf, 'cross-door', `guess ${i}`, ATTACKER)).status, 401);
      const app = await supertest(site.app).post('/login/token.php').set(ATTACKER).type('form').send({ username: 'cross-door', password: TEST_PASSWORD, service: 'moodle_mobile_app' });
      assert.equal(app.body.error, PAIR_REFUSAL);
      await supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'cross-door', password: TEST_PASSWORD }).expect(429);
      const run = await runCliInProcess(['mfa', 'unlock', 'cross-door'], site.database.url);
      assert.deepEqual(run, { code: 0, stdout: 'Unlocked for cross-door: password guessing limits.', stderr: '' });
      await supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'cross-door', password: TEST_PASSWORD }).expect(201);
    });

    it('is cleared from the admin user page, audited', async () => {
      await site.addUser('page-admin', undefined, true);
      await site.addUser('page-victim');
      for (let i = 0; i < 5; i++) await supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'page-victim', password: 'wrong' }).expect(401);
      await supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'page-victim', password: TEST_PASSWORD }).expect(429);
      const admin = site.browser();
      await admin.login('page-admin', undefined, OWNER);
      const user = await site.mfa.admin.findUsers('page-victim');
      const page = await admin.agent.get(`/admin/mfa/users/${user[0]?.id}`).set(OWNER).expect(200);
      await admin.agent.post(`/admin/mfa/users/${user[0]?.id}/password-unlock`).set(OWNER).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      const after = await admin.agent.get(`/admin/mfa/users/${user[0]?.id}`).set(OWNER);
      assert.match(after.text, /page-victim&#39;s password can be tried again now, from every address\./);
      const audit = await site.database.db('mfa_audit_log').where({ event: 'password_throttle_cleared', user_id: user[0]?.id }).first('actor');
      assert.equal(audit?.actor, 'page-admin');
      await supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'page-victim', password: TEST_PASSWORD }).expect(201);
    });

    it('counts a parallel burst at the API exactly: 5 compared, 25 refused by the wait the fifth set', async () => {
      await site.addUser('burst-victim');
      const results = await Promise.all(
        Array.from({ length: 30 }, () => supertest(site.app).post('/api/v1/session').set(ATTACKER).send({ username: 'burst-victim', password: 'wrong guess' })),
      );
      const losers = results.filter((r) => r.status === 429);
      assert.deepEqual(results.filter((r) => r.status === 401).map((r) => r.body.code), Array(5).fill('INVALID_LOGIN'));
      assert.equal(losers.length, 25);
      for (const r of losers) assert.deepEqual([r.body.error, r.headers['retry-after']], [PAIR_REFUSAL, '60'], 'each lost to the pair’s wait, not to an error');
    });
  });
}
