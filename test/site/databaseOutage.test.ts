import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import knex from 'knex';
import supertest from 'supertest';
import { buildSite, type BuiltSite } from '../../lms/start.ts';
import { createUser, findUserByUsername } from '../../lms/users.ts';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { type PrivateMariadb, privateMariadbMissing, startPrivateMariadb } from '../support/privateMariadb.ts';
import { csrfFrom, sessionCookieSetBy, TEST_PASSWORD } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

// The site as `npm start` builds it (buildSite), on a MariaDB server of the test's own that
// the test kills mid-load (SIGKILL: no goodbye to the clients) and starts again. The app is
// never restarted: its pool must find the server again by itself.

const LOAD_REQUESTS = 240;
const KILL_AFTER = 80;
const WORKERS = 6;
const MOODLE_SCRIPTS = ['/login/token.php', '/lib/ajax/service-nologin.php', '/webservice/rest/server.php'];

interface Answer {
  door: string;
  status: number;
  errorcode?: string;
  afterKill: boolean;
}

const skip = privateMariadbMissing();

describe('the site when its MariaDB server dies mid-load and comes back', { skip: skip ?? false }, () => {
  let server: PrivateMariadb;
  let site: BuiltSite;
  let dataDir: string;
  let appToken: string;
  let webCookie: string;
  let totpSecret: string;
  const logs: string[] = [];

  before(async () => {
    server = await startPrivateMariadb();
    const admin = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port: server.port, user: 'root' }, pool: { min: 0, max: 1 } });
    await admin.raw('CREATE DATABASE outage CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await admin.destroy();
    dataDir = mkdtempSync(join(tmpdir(), 'mfa-outage-'));
    const env = { MFA_SECRET_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: randomBytes(32).toString('hex') };
    site = await buildSite(
      { databaseUrl: server.urlFor('outage'), port: 0, siteName: 'Outage LMS', origin: 'http://localhost', smtpUrl: undefined, production: false, dataDir, adminPassword: undefined },
      env,
      (line) => logs.push(line),
    );
    for (const username of ['plain', 'guarded']) {
      await createUser(site.db, { username, email: `${username}@example.test`, password: TEST_PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
    }
    // `guarded` has an authenticator app; its set-up code is the previous time step’s, so today's codes are fresh.
    const guarded = (await findUserByUsername(site.db, 'guarded')) ?? assert.fail('guarded');
    const setup = await site.plugin.enrolment.beginSetup(guarded, totpFactor, {});
    await site.plugin.enrolment.confirmSetup(guarded, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, Date.now() - 30_000) }, { actor: 'guarded', ip: null });
    totpSecret = setup.secret;
    await site.plugin.settings.setMany({ mobile_app_mfa: true, lockout_threshold: 1000 }, 'test');
    appToken = (await tokenPhp({ username: 'plain', password: TEST_PASSWORD, service: 'moodle_mobile_app' })).body.token;
    assert.ok(appToken, 'a token before the outage');
    webCookie = await webLogin('plain');
  });

  after(async () => {
    await site?.db.destroy();
    site?.mailer.close();
    await server?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const app = () => supertest(site.app);
  const tokenPhp = (params: Record<string, string>) => app().post('/login/token.php').type('form').send(params);

  async function webLogin(username: string): Promise<string> {
    const agent = supertest.agent(site.app);
    const form = await agent.get('/login').expect(200);
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username, password: TEST_PASSWORD }).expect(303);
    return sessionCookieSetBy(res) ?? assert.fail('a session cookie');
  }

  /** One request of the load, by its number: each door in turn. */
  async function loadRequest(n: number): Promise<Omit<Answer, 'afterKill'>> {
    const read = (door: string, res: supertest.Response) => ({ door, status: res.status, errorcode: typeof res.body?.errorcode === 'string' ? res.body.errorcode : undefined });
    switch (n % 6) {
      case 0:
        return read('/login/token.php', await tokenPhp({ username: 'plain', password: TEST_PASSWORD, service: 'moodle_mobile_app' }));
      case 1:
        return read('/login/token.php', await tokenPhp({ username: 'guarded', password: TEST_PASSWORD, service: 'moodle_mobile_app', mfa_code: '000000' }));
      case 2:
        return read('/api/v1/session', await app().post('/api/v1/session').send({ username: 'plain', password: TEST_PASSWORD }));
      case 3: {
        // The form itself needs no database (an anonymous visitor's CSRF token is a signed cookie); the password does.
        const agent = supertest.agent(site.app);
        const form = await agent.get('/login').expect(200);
        return read('/login', await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'plain', password: TEST_PASSWORD }));
      }
      case 4:
        return read('/my', await app().get('/my').set('Cookie', webCookie));
      default:
        return read('/webservice/rest/server.php', await app().post('/webservice/rest/server.php?moodlewsrestformat=json').type('form').send({ wstoken: appToken, wsfunction: 'core_webservice_get_site_info' }));
    }
  }

  it('answers every request during the outage in its door’s contract, never a 5xx other than 503, and resumes after', async () => {
    const answers: Answer[] = [];
    const issuedTokens: string[] = [];
    let sent = 0;
    let kill: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (sent < LOAD_REQUESTS) {
          const n = sent++;
          // The kill lands while the other workers' requests are in flight; from then on, every request meets the dead server.
          if (n === KILL_AFTER) kill = server.kill();
          if (n >= KILL_AFTER) await kill;
          const answer = await loadRequest(n);
          answers.push({ ...answer, afterKill: n >= KILL_AFTER });
          if (answer.door === '/login/token.php' && answer.status === 200 && !answer.errorcode) issuedTokens.push(String(n));
        }
      }),
    );
    assert.equal(answers.length, LOAD_REQUESTS);
    for (const answer of answers) {
      if (MOODLE_SCRIPTS.includes(answer.door)) assert.equal(answer.status, 200, `${answer.door}: Moodle's scripts answer 200 (${JSON.stringify(answer)})`);
      else assert.ok(answer.status < 500 || answer.status === 503, JSON.stringify(answer));
    }
    const afterKill = answers.filter((a) => a.afterKill);
    assert.equal(afterKill.length, LOAD_REQUESTS - KILL_AFTER, 'the load went on after the kill');
    for (const answer of afterKill) {
      if (MOODLE_SCRIPTS.includes(answer.door)) assert.equal(answer.errorcode, 'dbconnectionfailed', JSON.stringify(answer));
      else assert.equal(answer.status, 503, JSON.stringify(answer));
    }
    assert.ok(answers.some((a) => !a.afterKill && a.status === 200 && !a.errorcode), 'the site served before the kill');
    assert.ok(!logs.some((line) => line.includes(TEST_PASSWORD)), 'no password in the log');

    // Every door, one by one, while the server is down.
    const webPages = ['/login', '/my', '/mfa', '/user/security', '/admin/mfa/settings'];
    for (const path of webPages) {
      const res = await app().get(path).set('Cookie', webCookie).accept('html');
      assert.equal(res.status, 503, `${path} answered ${res.status}`);
      assert.match(res.text, /temporarily unavailable/i, path);
    }
    const api = await app().post('/api/v1/session').send({ username: 'plain', password: TEST_PASSWORD });
    assert.equal(api.status, 503);
    assert.equal(api.body.code, 'DATABASE_UNAVAILABLE');
    const moodle = [
      await tokenPhp({ username: 'plain', password: TEST_PASSWORD, service: 'moodle_mobile_app' }),
      await app().post('/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config').type('json').send('[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]'),
      await app().post('/webservice/rest/server.php?moodlewsrestformat=json').type('form').send({ wstoken: appToken, wsfunction: 'core_webservice_get_site_info' }),
    ];
    for (const res of moodle) {
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /"errorcode":"dbconnectionfailed"/, res.text);
    }

    // Back up: the same app, not restarted, serves again.
    await server.start();
    await app().get('/login').expect(200);
    await app().get('/my').set('Cookie', webCookie).expect(200);
    const token = await tokenPhp({ username: 'plain', password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
    assert.equal(typeof token.body.token, 'string', token.text);
    const mfa = await tokenPhp({ username: 'guarded', password: TEST_PASSWORD, service: 'moodle_mobile_app', mfa_code: await codeFor(totpSecret, Date.now()) }).expect(200);
    assert.equal(typeof mfa.body.token, 'string', `the MFA user logs in with a code again: ${mfa.text}`);

    // Nothing half-written: every row the load left is whole and agrees with the others.
    const db = site.db;
    const attempts = await db('mfa_attempts').select('id', 'status', 'finished_at', 'handle_hash', 'door');
    for (const attempt of attempts) {
      assert.ok(['pending', 'passed', 'consumed', 'failed', 'cancelled', 'expired'].includes(attempt.status), JSON.stringify(attempt));
      if (attempt.door === 'token') assert.ok(attempt.handle_hash, 'a token-door attempt has its handle');
    }
    const orphans = await db('mfa_attempt_factors').leftJoin('mfa_attempts', 'mfa_attempts.id', 'mfa_attempt_factors.attempt_id').whereNull('mfa_attempts.id').count({ n: '*' }).first();
    assert.equal(Number(orphans?.n), 0);
    const failures = await db('mfa_factor_failures').select('failures');
    for (const row of failures) assert.ok(Number(row.failures) >= 0 && Number(row.failures) <= 1000);
    const tokens = await db('lms_external_tokens').select('token_hash', 'private_token_hash', 'user_id');
    for (const row of tokens) assert.ok(row.token_hash && row.private_token_hash && row.user_id, 'each stored token is whole');
    assert.ok(tokens.length >= issuedTokens.length + 2, 'every token handed out is stored');
    assert.ok(await db('lms_external_tokens').where({ token_hash: hashToken(token.body.token) }).first(), 'the token after the restart is stored');
  });
});
