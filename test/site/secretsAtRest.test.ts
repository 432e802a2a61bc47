import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import supertest from 'supertest';
import { databaseKind } from '../../plugin/store/openDatabase.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit } from '../support/moodleApp.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

// DESIGN.md, "Secrets at rest": TOTP secrets encrypted; email codes, recovery codes and
// tokens stored only as hashes. Checked the way a thief with a copy of the database would:
// every table, every column, as text.

/** Every row of every table, as one text (JSON per row, prefixed with its table). */
async function dumpDatabase(db: Knex): Promise<string> {
  const tables: string[] =
    databaseKind(db) === 'sqlite'
      ? (await db('sqlite_master').where({ type: 'table' }).select('name')).map((r: { name: string }) => r.name)
      : (await db.raw('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'))[0].map((r: { name: string }) => r.name);
  assert.ok(tables.includes('mfa_user_factors') && tables.includes('lms_sessions'), `the dump sees the tables: ${tables.join()}`);
  const lines: string[] = [];
  for (const table of tables) {
    for (const row of await db(table).select('*')) {
      lines.push(`${table} ${JSON.stringify(row, (_key, value) => (Buffer.isBuffer(value) || value?.type === 'Buffer' ? Buffer.from(value.data ?? value).toString('latin1') : value))}`);
    }
  }
  return lines.join('\n');
}

/** The forms a base32 TOTP secret can take at rest: as given, lower case, the raw key in hex and base64. */
function totpSecretForms(base32: string): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const raw = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  assert.ok(raw.length >= 16, 'a secret of at least 128 bits');
  return [base32, base32.toLowerCase(), raw.toString('hex'), raw.toString('base64'), raw.toString('base64url'), raw.toString('latin1')];
}

/** True when `code` appears in `text` not merely as part of a longer run of digits (a timestamp). */
function containsDigits(text: string, code: string): boolean {
  return new RegExp(`(?<![0-9])${code}(?![0-9])`).test(text);
}

for (const kind of databaseKinds) {
  describe(`secrets at rest in a ${kind} database`, () => {
    let site: TestSite;
    let dump: string;
    const secrets: Record<string, string[]> = {};
    let sessionIds: string[] = [];

    before(async () => {
      // https, as the Moodle app's sites are: token.php sends the private token only there.
      site = await createTestSite(kind, { hostOrigin: 'https://lms.example.test' });
      const kit = new AppTestKit(site);
      // Every factor: an authenticator app, email codes, recovery codes, a security key.
      const user = await kit.withTotp('keeper');
      secrets.totp = totpSecretForms(kit.totpSecret('keeper'));
      await kit.withEmail(user);
      secrets.recovery = (await kit.withRecoveryCodes(user)).flatMap((code) => [code, code.replace(/-/g, ''), code.toUpperCase()]);
      await kit.withSecurityKey(user);

      // A web login, with an email code asked for and left unused: its code is in the mail only.
      const browser = site.browser();
      await browser.login('keeper');
      const page = await browser.agent.get('/mfa').expect(200);
      await browser.agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(page.text), factor: 'email' }).expect(303);
      const emailCode = kit.codeInLastMail();
      const passed = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await kit.nextTotp('keeper') }).expect(303);
      assert.equal(passed.headers.location, '/my');
      secrets.email = [emailCode];

      // An identity token, an API session, and a token for the Moodle app (the toggle is off: password alone).
      secrets.identity = [(await site.mfa.identityTokens.create(user.id, { name: 'Lab PC', expiresAt: null, scope: [] }, { ip: null, door: 'test' })).token];
      const api = await site.mfa.apiSessions.open(user.id, { hours: 1, mfaPassedAt: site.clock.time, ip: null });
      secrets.apiSession = [api.token];
      const app = await supertest(site.app).post('/login/token.php').type('form').send({ username: 'keeper', password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
      assert.ok(app.body.token && app.body.privatetoken, app.text);
      secrets.appToken = [app.body.token, app.body.privatetoken];
      secrets.password = [TEST_PASSWORD];

      // express-session's cookie is `s:<sid>.<signature>`, URL-encoded.
      sessionIds = [sessionCookieSetBy(passed)]
        .filter((c): c is string => Boolean(c))
        .map((cookie) => /^s:([^.]+)\./.exec(decodeURIComponent(cookie.slice('lms_session='.length)))?.[1] ?? '')
        .filter(Boolean);
      assert.equal(sessionIds.length, 1, 'the logged-in session’s id');
      await supertest(site.app).get('/my').set('Cookie', sessionCookieSetBy(passed) ?? '').expect(200);
      dump = await dumpDatabase(site.database.db);
    });
    after(() => site.close());

    it('holds no TOTP secret, email code, recovery code, token, API session or password in clear', () => {
      // The dump is real: it holds what we stored, e.g. the user's name and the factor rows.
      assert.match(dump, /keeper/);
      assert.match(dump, /mfa_user_factors .*"factor":"totp"/);
      assert.match(dump, /mfa_user_factors .*"factor":"webauthn"/);
      for (const [what, values] of Object.entries(secrets)) {
        assert.ok(values.length > 0, what);
        for (const value of values) {
          const found = /^\d{6}$/.test(value) ? containsDigits(dump, value) : dump.includes(value);
          assert.ok(!found, `the ${what} ${value.slice(0, 4)}… is stored in clear`);
        }
      }
    });

    it('holds no session id in clear', () => {
      for (const sid of sessionIds) assert.ok(!dump.includes(sid), 'the session id is stored in clear');
    });
  });
}
