import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_DEFAULT_REASON } from '../../adapters/cli/mfaCommands.ts';
import { migrateSite } from '../../lms/migrateSite.ts';
import { createUser } from '../../lms/users.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { createTestSite } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';
import { runCliInProcess } from './runCliInProcess.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

const BIN = fileURLToPath(new URL('../../bin/mfa-bridge.js', import.meta.url));

for (const kind of databaseKinds) {
  describe(`mfa-bridge mfa reset / unlock on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await createTestDatabase(kind);
      await migrateSite(t.db);
    });
    after(() => t.drop());

    /** A user with one device of each named factor, and `failures` counted on each. */
    async function userWith(username: string, factors: string[], failures = 0): Promise<string> {
      const user = await createUser(t.db, { username, email: `${username}@example.edu`, password: 'a long password', passwordHashing: TEST_PASSWORD_HASHING });
      for (const factor of factors) {
        if (factor === 'trusted_device') {
          await t.db('mfa_trusted_devices').insert({ user_id: user.id, token_hash: `${username}-hash`, created_at: Date.now(), expires_at: Date.now() + 3_600_000 });
          continue;
        }
        await t.db('mfa_user_factors').insert({ user_id: user.id, factor, label: `${factor} device`, created_at: Date.now(), confirmed_at: Date.now() });
        if (failures > 0) await t.db('mfa_factor_failures').insert({ user_id: user.id, factor, failures, updated_at: Date.now() });
      }
      return user.id;
    }
    const factorsOf = async (userId: string) => (await t.db('mfa_user_factors').where({ user_id: userId }).orderBy('factor').select('factor')).map((r: { factor: string }) => r.factor);
    const resets = (userId: string) => new AuditLog(t.db).recent({ userId, event: 'factor_reset' });

    it('resets one factor of a user, with the reason in the audit log under actor "cli"', async () => {
      const id = await userWith('ada', ['totp', 'email'], 3);
      const run = await runCliInProcess(['mfa', 'reset', 'ada', '--factor', 'totp', '--reason', 'Phone lost; called the help desk'], t.url);
      assert.deepEqual(run, { code: 0, stdout: 'Reset totp of ada: 1 devices removed, 0 trusted browsers revoked, 0 sessions signed out, 0 tokens revoked.', stderr: '' });
      assert.deepEqual(await factorsOf(id), ['email']);
      const [row] = await resets(id);
      assert.equal(row?.actor, 'cli');
      assert.equal(row?.detail?.reason, 'Phone lost; called the help desk');
    });

    it('resets everything, trusted browsers too, and records that no reason was given', async () => {
      const id = await userWith('bob', ['totp', 'webauthn', 'trusted_device']);
      const run = await runCliInProcess(['mfa', 'reset', 'bob'], t.url);
      assert.equal(run.stdout, 'Reset all factors of bob: 2 devices removed, 1 trusted browsers revoked, 0 sessions signed out, 0 tokens revoked.');
      assert.deepEqual(await factorsOf(id), []);
      assert.equal((await resets(id))[0]?.detail?.reason, CLI_DEFAULT_REASON);
    });

    it('refuses an unknown user or factor and an empty reason with exit code 1, removing nothing', async () => {
      const id = await userWith('cy', ['totp']);
      const nobody = await runCliInProcess(['mfa', 'reset', 'nobody'], t.url);
      assert.deepEqual(nobody, { code: 1, stdout: '', stderr: 'error: There is no user "nobody".' });
      const typo = await runCliInProcess(['mfa', 'reset', 'cy', '--factor', 'topt'], t.url);
      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /^error: There is no factor "topt"; the factors are: totp, trusted_device, ip_range, email, recovery_codes, webauthn, push\.$/);
      const empty = await runCliInProcess(['mfa', 'reset', 'cy', '--reason', ' '], t.url);
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /Give a reason/);
      assert.deepEqual(await factorsOf(id), ['totp']);
      assert.equal((await resets(id)).length, 0);
    });

    it('unlocks a locked factor, keeping the device; says so when nothing was locked', async () => {
      const id = await userWith('dee', ['totp'], 10);
      const run = await runCliInProcess(['mfa', 'unlock', 'dee'], t.url);
      assert.deepEqual(run, { code: 0, stdout: 'Unlocked for dee: totp.', stderr: '' });
      assert.deepEqual(await factorsOf(id), ['totp']);
      const again = await runCliInProcess(['mfa', 'unlock', 'dee', '--factor', 'totp'], t.url);
      assert.deepEqual(again, { code: 0, stdout: "Nothing of dee's was locked.", stderr: '' });
      assert.equal((await new AuditLog(t.db).recent({ userId: id, event: 'factor_unlocked' })).length, 1);
      assert.equal((await runCliInProcess(['mfa', 'unlock', 'dee', '--factor', 'nope'], t.url)).code, 1);
    });

    it('answers a command line it cannot read with exit code 2 and the usage', async () => {
      const missing = await runCliInProcess(['mfa', 'reset'], t.url);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /mfa reset: missing <username>; usage: mfa-bridge mfa reset <username> \[--factor <id>\] \[--reason "..."\]/);
      const unknown = await runCliInProcess(['mfa', 'wipe', 'ada'], t.url);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /mfa has no subcommand "wipe"; use one of: reset, unlock/);
    });

    it('purges attempts, API sessions and identity tokens that ended long ago, keeping recent ones and the audit log', async () => {
      const now = Date.now();
      const day = 86_400_000;
      await t.db('mfa_attempts').insert([
        { id: 'old-attempt', user_id: '1', door: 'web', status: 'consumed', created_at: now - 40 * day, expires_at: now - 40 * day },
        { id: 'new-attempt', user_id: '1', door: 'web', status: 'pending', created_at: now, expires_at: now + 600_000 },
      ]);
      await t.db('mfa_attempt_factors').insert({ attempt_id: 'old-attempt', factor: 'totp', state: 'pass', updated_at: now - 40 * day });
      await t.db('mfa_api_sessions').insert([
        { user_id: '1', token_hash: 'a'.repeat(64), created_at: now - 40 * day, expires_at: now - 39 * day },
        { user_id: '1', token_hash: 'b'.repeat(64), created_at: now, expires_at: now + 3_600_000 },
      ]);
      await t.db('mfa_identity_tokens').insert([
        { user_id: '1', name: 'revoked long ago', token_hash: 'c'.repeat(64), created_at: now - 90 * day, revoked_at: now - 31 * day },
        { user_id: '1', name: 'forever', token_hash: 'd'.repeat(64), created_at: now - 90 * day },
      ]);
      const auditRows = (await t.db('mfa_audit_log').count({ n: '*' }))[0]?.n;
      const run = await runCliInProcess(['mfa', 'purge'], t.url);
      assert.deepEqual(run, { code: 0, stdout: 'Purged 1 attempts, 1 API sessions and 1 identity tokens that ended more than 30 days ago, and 0 password-guessing counters no limit uses any more.', stderr: '' });
      assert.deepEqual((await t.db('mfa_attempts').select('id')).map((r: { id: string }) => r.id), ['new-attempt']);
      assert.equal((await t.db('mfa_attempt_factors').where({ attempt_id: 'old-attempt' })).length, 0);
      assert.deepEqual((await t.db('mfa_identity_tokens').select('name')).map((r: { name: string }) => r.name), ['forever']);
      assert.equal((await t.db('mfa_api_sessions')).length, 1);
      assert.equal(Number((await t.db('mfa_audit_log').count({ n: '*' }))[0]?.n), Number(auditRows) + 1, 'the audit log keeps everything, plus the purge itself');
      const bad = await runCliInProcess(['mfa', 'purge', '--days', 'soon'], t.url);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--days takes a whole number of days/);
    });
  });
}

describe('the emergency switch from the command line', () => {
  it('lets an enrolled user in without MFA after `settings set enabled false`', async () => {
    const site = await createTestSite('sqlite');
    try {
      await site.addUser('stuck');
      const user = await site.mfa.admin.findUsers('stuck').then((users) => users[0]);
      assert.ok(user);
      const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, {});
      await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: 'stuck', ip: null });
      assert.equal((await site.browser().login('stuck')).headers.location, '/mfa');
      const run = await runCliInProcess(['settings', 'set', 'enabled', 'false'], site.database.url);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((await site.browser().login('stuck')).headers.location, '/my');
    } finally {
      await site.close();
    }
  });
});

describe('the mfa-bridge binary: mfa commands', () => {
  it('exits 1 with one line for an unknown user, as a script would see it', async () => {
    const t = await createTestDatabase('sqlite');
    try {
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'mfa', 'unlock', 'ghost'], { env: { ...process.env, DATABASE_URL: t.url }, timeout: 30_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
        });
      });
      assert.deepEqual(run, { code: 1, stdout: '', stderr: 'error: There is no user "ghost".\n' });
    } finally {
      await t.drop();
    }
  });
});
