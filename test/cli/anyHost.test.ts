import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CliHost } from '../../adapters/cli/cliCommand.ts';
import { createMfaCli } from '../../adapters/cli/createMfaCli.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { runCliInProcess } from './runCliInProcess.ts';

/**
 * Another platform's users, kept where that platform keeps them (here, in memory: not
 * the LMS tables, which these databases do not even have). Ids are the platform's own.
 */
class DirectoryHost implements CliHost {
  readonly sessionsEnded: string[] = [];
  private readonly people = new Map<string, HostUser>([
    ['acct-7f3a', { id: 'acct-7f3a', username: 'ada.l', email: 'ada@engine.example', suspended: false, isAdmin: false }],
    ['acct-99c0', { id: 'acct-99c0', username: 'grace.h', email: 'grace@navy.example', suspended: false, isAdmin: true }],
  ]);
  async findUserById(id: string) {
    return this.people.get(id) ?? null;
  }
  async findUserByUsername(username: string) {
    return [...this.people.values()].find((person) => person.username === username) ?? null;
  }
  async endUserSessions(userId: string) {
    this.sessionsEnded.push(userId);
    return 2;
  }
}

for (const kind of databaseKinds) {
  describe(`the admin command line over another host's users on ${kind}`, () => {
    let t: TestDatabase;
    const host = new DirectoryHost();
    const cli = createMfaCli({ host: () => host });
    const run = (argv: string[]) => runCliInProcess(argv, t.url, {}, cli);
    const devices = async (userId: string) => (await t.db('mfa_user_factors').where({ user_id: userId }).orderBy('factor').select('factor')).map((row: { factor: string }) => row.factor);

    before(async () => {
      t = await createTestDatabase(kind);
      await migratePlugin(t.db);
      const now = Date.now();
      for (const [userId, factor] of [['acct-7f3a', 'totp'], ['acct-7f3a', 'email'], ['acct-99c0', 'totp']] as const) {
        await t.db('mfa_user_factors').insert({ user_id: userId, factor, label: `${factor} device`, created_at: now, confirmed_at: now });
        await t.db('mfa_factor_failures').insert({ user_id: userId, factor, failures: 10, updated_at: now });
      }
    });
    after(() => t.drop());

    it('finds the user through the host and resets their factor, ending their sessions through the host', async () => {
      const reset = await run(['mfa', 'reset', 'ada.l', '--factor', 'totp', '--reason', 'New phone; identity checked']);
      assert.deepEqual(reset, { code: 0, stdout: 'Reset totp of ada.l: 1 devices removed, 0 trusted browsers revoked, 2 sessions signed out, 0 tokens revoked.', stderr: '' });
      assert.deepEqual(await devices('acct-7f3a'), ['email']);
      assert.deepEqual(await devices('acct-99c0'), ['totp'], 'nobody else touched');
      assert.deepEqual(host.sessionsEnded, ['acct-7f3a']);
      const [audit] = await new AuditLog(t.db).recent({ userId: 'acct-7f3a', event: 'factor_reset' });
      assert.equal(audit?.detail?.reason, 'New phone; identity checked');
    });

    it('unlocks a locked factor of the host\'s user, keeping the device', async () => {
      const unlock = await run(['mfa', 'unlock', 'grace.h', '--factor', 'totp']);
      assert.deepEqual(unlock, { code: 0, stdout: 'Unlocked for grace.h: totp.', stderr: '' });
      assert.deepEqual(await devices('acct-99c0'), ['totp']);
      const failures = await t.db('mfa_factor_failures').where({ user_id: 'acct-99c0', factor: 'totp' }).first();
      assert.equal(Number(failures?.failures ?? 0), 0);
    });

    it('knows only the host\'s users, has no LMS commands, and never made LMS tables', async () => {
      assert.deepEqual(await run(['mfa', 'unlock', 'admin']), { code: 1, stdout: '', stderr: 'error: There is no user "admin".' });
      const user = await run(['user', 'add', 'eve', '--email', 'eve@example.edu', '--password', 'a long password']);
      assert.equal(user.code, 2);
      assert.match(user.stderr, /unknown command "user"/);
      assert.equal(await t.db.schema.hasTable('lms_users'), false);
      assert.doesNotMatch(cli.usageText(), /user add/);
    });
  });
}
