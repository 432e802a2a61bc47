import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { builtInFactors } from '../../plugin/factors/index.ts';
import type { CliHost, CommandArgs } from '../../adapters/cli/cliCommand.ts';
import { settingsGet, settingsList, settingsSet } from '../../adapters/cli/settingsCommands.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { runCliInProcess } from './runCliInProcess.ts';

const args = (...positionals: string[]): CommandArgs => ({ positionals, options: {} });

/** Settings commands need no users and no key: a host that knows nobody, and keys that are never asked for. */
const NO_USERS: CliHost = { findUserById: async () => null, findUserByUsername: async () => null };
const settingsOnly = (db: Knex) => ({
  db,
  host: NO_USERS,
  secretKeys: () => {
    throw new Error('settings commands never read the keys');
  },
  factors: builtInFactors,
});

for (const kind of databaseKinds) {
  describe(`mfa-bridge settings on ${kind}`, () => {
    let t: TestDatabase;
    let lines: string[];
    const out = (line: string) => lines.push(line);

    before(async () => {
      t = await createTestDatabase(kind);
      await migratePlugin(t.db);
    });
    after(async () => {
      await t.drop();
    });
    beforeEach(async () => {
      lines = [];
      await t.db('mfa_settings').delete();
      await t.db('mfa_audit_log').delete();
    });

    it('lists every setting with value and default, marking only the changed ones', async () => {
      await settingsSet.run({ ...settingsOnly(t.db), args: args('lockout_threshold', '5'), out: () => {} });
      await settingsList.run({ ...settingsOnly(t.db), args: args(), out });
      const line = (name: string) => lines.find((l) => l.slice(2).startsWith(`${name} `)) ?? '';
      assert.match(line('lockout_threshold'), /^\* lockout_threshold +5 +\(default: 10\)$/);
      assert.match(line('mobile_app_mfa'), /^ {2}mobile_app_mfa +false +\(default: false\)$/);
      assert.match(line('factor.ip_range.ranges'), /^ {2}factor\.ip_range\.ranges +\(empty\) +\(default: \(empty\)\)$/);
      assert.equal(lines.filter((l) => l.startsWith('*')).length, 1);
    });

    it('gets one value as it would be typed back', async () => {
      await settingsGet.run({ ...settingsOnly(t.db), args: args('lockout_threshold'), out });
      await settingsSet.run({ ...settingsOnly(t.db), args: args('factor.ip_range.ranges', '192.0.2.0/24,2001:db8::/32'), out: () => {} });
      await settingsGet.run({ ...settingsOnly(t.db), args: args('factor.ip_range.ranges'), out });
      assert.deepEqual(lines, ['10', '192.0.2.0/24, 2001:db8::/32']);
    });

    it('sets a validated value and audits it with actor cli and old and new value', async () => {
      await settingsSet.run({ ...settingsOnly(t.db), args: args('mobile_app_mfa', 'true'), out });
      await settingsSet.run({ ...settingsOnly(t.db), args: args('mobile_app_mfa', 'yes'), out });
      assert.deepEqual(lines, ['mobile_app_mfa: false -> true', 'mobile_app_mfa is already true']);
      const rows = await new AuditLog(t.db).recent({ event: 'settings_changed' });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.actor, 'cli');
      assert.deepEqual(rows[0]?.detail, { name: 'mobile_app_mfa', oldValue: false, newValue: true });
    });

    it('refuses a bad value with exit code 1 and the accepted range, storing and auditing nothing', async () => {
      const run = await runCliInProcess(['settings', 'set', 'lockout_threshold', '0'], t.url);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: Lockout threshold \(lockout_threshold\): 0 is out of range; use a number from 1 to 1000\.$/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(await t.db('mfa_settings').select('name'), []);
      assert.deepEqual(await t.db('mfa_audit_log').select('id'), []);
    });

    it('refuses an unknown setting with exit code 1, pointing to settings list', async () => {
      const run = await runCliInProcess(['settings', 'get', 'lockout'], t.url);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /There is no setting "lockout"\. Did you mean: lockout_threshold\?.*settings list/);
    });

    it('sets and reads back through the whole command line', async () => {
      assert.deepEqual(await runCliInProcess(['settings', 'set', 'factor.totp.algorithm', 'SHA256'], t.url), {
        code: 0,
        stdout: 'factor.totp.algorithm: SHA1 -> SHA256',
        stderr: '',
      });
      assert.equal((await runCliInProcess(['settings', 'get', 'factor.totp.algorithm'], t.url)).stdout, 'SHA256');
    });

    it('says what is missing or extra with exit code 2', async () => {
      const missing = await runCliInProcess(['settings', 'set', 'enabled'], t.url);
      assert.equal(missing.code, 2);
      assert.equal(missing.stderr, 'error: settings set: missing <value>; usage: mfa-bridge settings set <name> <value>');
      const extra = await runCliInProcess(['settings', 'set', 'enabled', 'no', 'really'], t.url);
      assert.equal(extra.code, 2);
      assert.match(extra.stderr, /unexpected "really"/);
      const option = await runCliInProcess(['settings', 'list', '--all'], t.url);
      assert.equal(option.code, 2);
      assert.match(option.stderr, /settings list: Unknown option '--all'/);
      assert.equal(await t.db('mfa_settings').count({ n: '*' }).first().then((r) => Number(r?.n)), 0);
    });
  });
}

describe('mfa-bridge command line', () => {
  it('lists every command for help, --help and no arguments', async () => {
    for (const argv of [['help'], ['--help'], []]) {
      const run = await runCliInProcess(argv, 'sqlite::memory:');
      assert.equal(run.code, 0);
      for (const command of ['migrate', 'user add <username> --email <email> --password <password> [--admin]', 'settings list', 'settings get <name>', 'settings set <name> <value>', 'help']) {
        assert.ok(run.stdout.includes(`mfa-bridge ${command}`), `usage lists "${command}"`);
      }
    }
  });

  it('shows the usage of one command or one group for --help, touching no database', async () => {
    const group = await runCliInProcess(['settings', '--help'], 'mysql://nobody@127.0.0.1:1/none');
    assert.equal(group.code, 0);
    assert.match(group.stdout, /mfa-bridge settings list\n.*\n {2}mfa-bridge settings get <name>\n.*\n {2}mfa-bridge settings set <name> <value>/);
    assert.doesNotMatch(group.stdout, /user add/);
    const one = await runCliInProcess(['user', 'add', '-h'], 'mysql://nobody@127.0.0.1:1/none');
    assert.equal(one.code, 0);
    assert.match(one.stdout, /^usage:\n {2}mfa-bridge user add <username> --email <email> --password <password> \[--admin\]\n/);
  });

  it('refuses an unknown command or subcommand with exit code 2, naming what exists', async () => {
    const unknown = await runCliInProcess(['frobnicate'], 'sqlite::memory:');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"; the commands are: migrate, user, settings, mfa, keys, bridge, help/);
    const sub = await runCliInProcess(['settings', 'delete', 'enabled'], 'sqlite::memory:');
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /settings has no subcommand "delete"; use one of: list, get, set/);
  });

  it('exits 3 naming the database, password hidden, when it cannot be reached', async () => {
    const run = await runCliInProcess(['settings', 'list'], 'mysql://root:hunter2@127.0.0.1:1/mfa');
    assert.equal(run.code, 3);
    assert.equal(run.stderr, 'error: cannot reach the database at mysql://root:***@127.0.0.1:1/mfa');
  });
});
