import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { KnexSessionStore, SessionStoreError, storedSessionKey } from '../../adapters/express/knexSessionStore.ts';
import { createLmsSite } from '../../lms/createLmsSite.ts';
import { LmsHost } from '../../lms/lmsHost.ts';
import { migrateSite } from '../../lms/migrateSite.ts';
import { createUser } from '../../lms/users.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { csrfFrom, sessionCookieSetBy } from '../support/testSite.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

const PASSWORD = 'a long test password';

/** The bare host site (no MFA plugin) over `t`, with its log lines collected. */
function siteOver(t: TestDatabase) {
  const logs: string[] = [];
  const host = new LmsHost(t.db, { siteName: 'Test LMS', origin: 'http://localhost', sendMail: async () => undefined, passwordHashing: TEST_PASSWORD_HASHING });
  const app = createLmsSite({ db: t.db, host, config: { siteName: 'Test LMS', secureCookies: false }, sessionSecret: randomBytes(16).toString('hex'), log: (line) => logs.push(line) });
  return { app, logs };
}

function stored<T>(call: (done: (error: unknown, value?: T) => void) => void): Promise<{ error: unknown; value?: T }> {
  return new Promise((resolve) => call((error, value) => resolve({ error, value })));
}

for (const kind of databaseKinds) {
  describe(`the site when its session table is gone, on ${kind}`, () => {
    it('serves the login form from its cookie alone, and answers the login itself with 503', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        await createUser(t.db, { username: 'student', email: 'student@example.test', password: PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
        const { app } = siteOver(t);
        await t.db.schema.dropTable('lms_sessions');
        // An anonymous visitor's CSRF token is in a signed cookie, not a session row: the form is good without the table.
        const agent = supertest.agent(app);
        const form = await agent.get('/login').accept('html').expect(200);
        const res = await agent.post('/login').accept('html').type('form').send({ _csrf: csrfFrom(form.text), username: 'student', password: PASSWORD }).expect(503);
        assert.match(res.text, /temporarily unavailable/);
        assert.equal(res.headers['retry-after'], '30');
      } finally {
        await t.drop();
      }
    });

    it('answers a logged-in visitor with 503 and logs the missing table without the session id', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        await createUser(t.db, { username: 'student', email: 'student@example.test', password: PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
        const { app, logs } = siteOver(t);
        const agent = supertest.agent(app);
        const form = await agent.get('/login');
        const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'student', password: PASSWORD }).expect(303);
        const cookie = sessionCookieSetBy(login);
        assert.ok(cookie);
        // express-session's cookie is `s:<sid>.<signature>`, URL-encoded.
        const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookie.slice('lms_session='.length)))?.[1];
        assert.match(sid ?? '', /^[\w-]{20,}$/);
        await t.db.schema.dropTable('lms_sessions');

        await agent.get('/my').expect(503);
        assert.ok(logs.some((line) => /lms_sessions/.test(line) && /migrate/.test(line)), 'the operator is told what is missing');
        assert.ok(sid && !logs.join('\n').includes(sid), 'no log line carries the session id');
      } finally {
        await t.drop();
      }
    });

    it('still answers token.php, which keeps no session', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const { app } = siteOver(t);
        await t.db.schema.dropTable('lms_sessions');
        const res = await supertest(app).post('/login/token.php').type('form').send({ username: 'nobody', password: 'x', service: 'moodle_mobile_app' }).expect(200);
        assert.equal(res.body.errorcode, 'invalidlogin');
      } finally {
        await t.drop();
      }
    });
  });

  describe(`session store errors on ${kind}`, () => {
    it('keeps the driver’s code but not the session’s contents in the error it reports', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const store = new KnexSessionStore({ db: t.db });
        await t.db.schema.dropTable('lms_sessions');
        const secret = 'csrf-value-that-must-not-be-logged';
        const { error } = await stored((done) => store.set('sid-that-must-not-be-logged', { cookie: { originalMaxAge: 1000 }, csrfToken: secret } as never, done));
        assert.ok(error instanceof SessionStoreError);
        assert.match(error.code, kind === 'mysql' ? /^ER_NO_SUCH_TABLE$/ : /^SQLITE_ERROR$/);
        const printed = `${error.stack}\n${JSON.stringify(error)}`;
        assert.ok(!printed.includes(secret) && !printed.includes('sid-that-must-not-be-logged'), printed);
      } finally {
        await t.drop();
      }
    });

    it('reports a closed pool through the callback too', async () => {
      const t = await createTestDatabase(kind);
      const store = new KnexSessionStore({ db: t.db });
      await t.drop();
      const { error } = await stored((done) => store.get('any', done));
      assert.ok(error instanceof Error);
    });

    it('treats a stored session that is not JSON as no session', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        await t.db('lms_sessions').insert({ sid: storedSessionKey('broken'), sess: '{"cookie":', expires_at: Date.now() + 60_000 });
        const store = new KnexSessionStore({ db: t.db });
        assert.deepEqual(await stored((done) => store.get('broken', done)), { error: null, value: null });
      } finally {
        await t.drop();
      }
    });
  });
}

describe('the site when its database pool is closed', () => {
  it('answers a login with 503', async () => {
    const t = await createTestDatabase('sqlite');
    await migrateSite(t.db);
    const { app } = siteOver(t);
    const agent = supertest.agent(app);
    const form = await agent.get('/login').expect(200);
    await t.drop();
    await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'student', password: PASSWORD }).expect(503);
  });
});
