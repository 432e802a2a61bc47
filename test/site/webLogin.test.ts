import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { createLmsSite } from '../../lms/createLmsSite.ts';
import { LmsHost } from '../../lms/lmsHost.ts';
import { createUser } from '../../lms/users.ts';
import { openDatabase } from '../../plugin/store/openDatabase.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

for (const kind of databaseKinds) {
  describe(`web login on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('student');
      await createUser(site.database.db, { username: 'boss', email: 'boss@example.test', password: TEST_PASSWORD, isAdmin: true, passwordHashing: TEST_PASSWORD_HASHING });
    });
    after(() => site.close());

    it('shows a labelled login form', async () => {
      const res = await supertest(site.app).get('/login').expect(200);
      assert.match(res.text, /<label for="username">/);
      assert.match(res.text, /name="password" type="password" autocomplete="current-password"/);
    });

    it('refuses a wrong password with 401 and the form again', async () => {
      const agent = supertest.agent(site.app);
      const form = await agent.get('/login');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'student', password: 'nope' }).expect(401);
      assert.match(res.text, /Invalid login, please try again/);
      assert.match(res.text, /aria-describedby="login-error"/);
    });

    it('asks for both fields when one is missing', async () => {
      const agent = supertest.agent(site.app);
      const form = await agent.get('/login');
      await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'student' }).expect(400);
    });

    it('logs in with a new session id, shows /my, and logs out for good', async () => {
      const browser = site.browser();
      const anonymous = await browser.agent.get('/login');
      const before = sessionCookieSetBy(anonymous);
      const login = await browser.login('student');
      assert.equal(login.headers.location, '/my');
      assert.notEqual(sessionCookieSetBy(login), before);
      const my = await browser.agent.get('/my').expect(200);
      assert.match(my.text, /Welcome, student/);
      await browser.logout();
      const after = await browser.agent.get('/my').expect(303);
      assert.match(String(after.headers.location), /^\/login\?returnTo=/);
    });

    it('opens /admin to admins only', async () => {
      const student = site.browser();
      await student.login('student');
      await student.agent.get('/admin').expect(403);
      const boss = site.browser();
      await boss.login('boss');
      await boss.agent.get('/admin').expect(200);
      await supertest(site.app).get('/admin').expect(303);
    });

    it('refuses a login form without its CSRF token', async () => {
      await supertest.agent(site.app).post('/login').type('form').send({ username: 'student', password: TEST_PASSWORD }).expect(403);
    });

    it('follows returnTo within the site and ignores it otherwise', async () => {
      assert.equal((await site.browser().login('student', '/my?x=1')).headers.location, '/my?x=1');
      for (const evil of ['//evil.example', 'https://evil.example/', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)']) {
        assert.equal((await site.browser().login('student', evil)).headers.location, '/my', evil);
      }
    });

    it('answers odd login bodies with a 4xx, never a 5xx', async () => {
      const agent = supertest.agent(site.app);
      const csrf = csrfFrom((await agent.get('/login')).text);
      const bodies: unknown[] = [
        { _csrf: csrf, username: ['a', 'b'], password: 'x' },
        { _csrf: csrf, username: 'student', password: { nested: true } },
        { _csrf: csrf, username: 'x'.repeat(50_000), password: 'y' },
      ];
      for (const body of bodies) {
        const res = await agent.post('/login').send(body as object);
        assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body).slice(0, 60)} → ${res.status}`);
      }
      const malformed = await agent.post('/login').set('content-type', 'application/json').send('{"_csrf":');
      assert.equal(malformed.status, 400);
    });
  });
}

describe('database outage', () => {
  let unreachable: ReturnType<typeof openDatabase>;
  let app: ReturnType<typeof createLmsSite>;
  const sessionSecret = randomBytes(16).toString('hex');
  // A returning visitor's cookie, signed as express-session signs it: reading it needs the session store.
  const signature = createHmac('sha256', sessionSecret).update('returning-visitor').digest('base64').replace(/=+$/, '');
  const returningCookie = `lms_session=${encodeURIComponent(`s:returning-visitor.${signature}`)}`;
  before(() => {
    // Port 1 on loopback refuses at once: a database server that is down.
    unreachable = openDatabase('mysql://root@127.0.0.1:1/none');
    const host = new LmsHost(unreachable, { siteName: 'Down', origin: 'http://localhost', sendMail: async () => undefined });
    app = createLmsSite({ db: unreachable, host, config: { siteName: 'Down', secureCookies: false }, sessionSecret, log: () => undefined });
  });
  after(() => unreachable.destroy());

  it('answers pages with 503 and a retry hint, not 500', async () => {
    const res = await supertest(app).get('/my').set('Cookie', returningCookie).expect(503);
    assert.equal(res.headers['retry-after'], '30');
    assert.match(res.text, /temporarily unavailable/);
  });

  // The Moodle app shows a server's words only in a 200 with an errorcode; a 503 would read "site not accessible".
  it('answers token.php in Moodle’s contract: 200, dbconnectionfailed, a wait in words and Retry-After', async () => {
    const res = await supertest(app).post('/login/token.php').type('form').send({ username: 'a', password: 'b', service: 'moodle_mobile_app' }).expect(200);
    assert.equal(res.body.errorcode, 'dbconnectionfailed');
    assert.match(res.body.error, /try again in 30 seconds/);
    assert.equal(res.headers['retry-after'], '30');
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });

  it('answers the app’s site check the same way', async () => {
    const res = await supertest(app)
      .post('/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config&lang=en')
      .set('Content-Type', 'application/json')
      .send('[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]')
      .expect(200);
    assert.equal(res.body.errorcode, 'dbconnectionfailed');
    assert.equal(res.headers['retry-after'], '30');
  });
});
