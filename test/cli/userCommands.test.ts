import assert from 'node:assert/strict';
import { builtInFactors } from '../../plugin/factors/index.ts';
import { after, before, describe, it } from 'node:test';
import { lmsAdminHost } from '../../lms/lmsAdminHost.ts';
import { userAdd } from '../../lms/lmsUserCommands.ts';
import { checkPassword } from '../../lms/users.ts';
import { migrateSite } from '../../lms/migrateSite.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { runCliInProcess } from './runCliInProcess.ts';

for (const kind of databaseKinds) {
  describe(`mfa-bridge user add on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await createTestDatabase(kind);
    });
    after(async () => {
      await t.drop();
    });

    it('migrates a fresh database and adds a user who can then log in with that password', async () => {
      const run = await runCliInProcess(['user', 'add', 'ada', '--email', 'ada@example.edu', '--password', 'correct horse battery'], t.url);
      assert.deepEqual(run, { code: 0, stdout: 'Added user ada <ada@example.edu>.', stderr: '' });
      const user = await checkPassword(t.db, 'ada', 'correct horse battery');
      assert.equal(user?.email, 'ada@example.edu');
      assert.equal(user?.isAdmin, false);
      assert.equal(await checkPassword(t.db, 'ada', 'wrong horse battery'), null);
    });

    it('adds an administrator with --admin', async () => {
      await migrateSite(t.db);
      const lines: string[] = [];
      await userAdd.run({
        db: t.db,
        args: { positionals: ['grace'], options: { email: 'grace@example.edu', password: 'a long password', admin: true } },
        out: (line) => lines.push(line),
        host: lmsAdminHost(t.db),
        secretKeys: () => {
          throw new Error('user add never reads the keys');
        },
        factors: builtInFactors,
      });
      assert.deepEqual(lines, ['Added administrator grace <grace@example.edu>.']);
      assert.equal((await checkPassword(t.db, 'grace', 'a long password'))?.isAdmin, true);
    });

    it('requires --email and --password, exit code 2', async () => {
      const run = await runCliInProcess(['user', 'add', 'bob', '--password', 'a long password'], t.url);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /user add: --email is required; usage: mfa-bridge user add <username> --email <email> --password <password> \[--admin\]/);
      assert.equal(await checkPassword(t.db, 'bob', 'a long password'), null);
    });

    it('passes on what the site refuses (a taken username) with exit code 1', async () => {
      const run = await runCliInProcess(['user', 'add', 'ada', '--email', 'ada2@example.edu', '--password', 'another password'], t.url);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: .*ada/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });
  });
}
