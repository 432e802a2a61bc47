import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateSite } from '../../lms/migrateSite.ts';
import { checkPassword, countUsers, createUser, findUserById } from '../../lms/users.ts';
import { isMfaError } from '../../plugin/errors.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

const PASSWORD = 'a long test password';

for (const kind of databaseKinds) {
  describe(`LMS users on ${kind}`, () => {
    it('refuses a second user of the same name created at the same moment with a clear message', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const attempt = () => createUser(t.db, { username: 'twin', email: 'twin@example.test', password: PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
        const results = await Promise.allSettled([attempt(), attempt(), attempt()]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(isMfaError(r.reason, 'INVALID_INPUT'), String(r.reason));
            assert.equal(r.reason.message, 'There is already a user called twin.');
          }
        }
        assert.equal(await countUsers(t.db), 1);
      } finally {
        await t.drop();
      }
    });

    it('names what is wrong with a username, an email or a short password', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const cases: Array<[Parameters<typeof createUser>[1], string]> = [
          [{ username: 'has space', email: 'a@example.test', password: PASSWORD }, 'username'],
          [{ username: 'ok', email: 'not-an-address', password: PASSWORD }, 'email'],
          [{ username: 'ok', email: 'a@example.test', password: 'short' }, 'password'],
        ];
        for (const [user, field] of cases) {
          await assert.rejects(createUser(t.db, { ...user, passwordHashing: TEST_PASSWORD_HASHING }), (error: unknown) => isMfaError(error, 'INVALID_INPUT') && error.details.field === field);
        }
        assert.equal(await countUsers(t.db), 0);
      } finally {
        await t.drop();
      }
    });

    it('lets a user in with the right password only, and never a suspended one', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const user = await createUser(t.db, { username: 'Mixed.Case', email: 'm@example.test', password: PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
        assert.equal(user.username, 'mixed.case');
        assert.deepEqual(await checkPassword(t.db, 'MIXED.case', PASSWORD, { passwordHashing: TEST_PASSWORD_HASHING }), user);
        assert.equal(await checkPassword(t.db, 'mixed.case', 'wrong password', { passwordHashing: TEST_PASSWORD_HASHING }), null);
        assert.equal(await checkPassword(t.db, 'nobody', PASSWORD), null);
        await t.db('lms_users').where({ id: Number(user.id) }).update({ suspended: true });
        assert.equal(await checkPassword(t.db, 'mixed.case', PASSWORD), null);
        assert.equal((await findUserById(t.db, user.id))?.suspended, true);
        assert.equal(await findUserById(t.db, '1 or 1=1'), null);
      } finally {
        await t.drop();
      }
    });
  });
}
