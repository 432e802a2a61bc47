import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import type { Knex } from 'knex';
import { migrateSite } from '../../lms/migrateSite.ts';
import { dummyPasswordHash, type PasswordHashing, SITE_PASSWORD_HASHING, verifyPassword } from '../../lms/passwordHashing.ts';
import { checkPassword, createUser, storeRehashedPassword } from '../../lms/users.ts';
import { databaseKind } from '../../plugin/store/openDatabase.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

/** The PHC prefix of an Argon2id hash made with `hashing`. */
const argon2idPrefix = (hashing: PasswordHashing) => `$argon2id$v=19$m=${hashing.memoryKiB},t=${hashing.iterations},p=${hashing.parallelism}$`;

/** A user as the site stored them before Argon2id: a bcryptjs hash (cost 4 keeps the test quick; the cost is in the hash). */
async function addBcryptUser(db: Knex, username: string, password: string, prefix = '$2b$'): Promise<number> {
  const hash = prefix + bcrypt.hashSync(password, 4).slice(4);
  const [id] = await db('lms_users').insert({ username, email: `${username}@example.test`, password_hash: hash, is_admin: false, suspended: false, created_at: Date.now() });
  return Number(id);
}

async function storedHash(db: Knex, username: string): Promise<string> {
  const row = await db('lms_users').where({ username }).first('password_hash');
  assert.ok(row, `${username} exists`);
  return row.password_hash as string;
}

/** Makes every UPDATE of lms_users fail in the database itself, as a read-only replica or a lost connection would. */
async function refuseUserUpdates(db: Knex): Promise<() => Promise<void>> {
  if (databaseKind(db) === 'mysql') {
    await db.raw("CREATE TRIGGER refuse_user_updates BEFORE UPDATE ON lms_users FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'lms_users is read-only'");
  } else {
    await db.raw("CREATE TRIGGER refuse_user_updates BEFORE UPDATE ON lms_users BEGIN SELECT RAISE(ABORT, 'lms_users is read-only'); END");
  }
  return async () => {
    await db.raw('DROP TRIGGER refuse_user_updates');
  };
}

for (const kind of databaseKinds) {
  describe(`password hashing on the reference site, on ${kind}`, () => {
    describe('through the login form', () => {
      let site: TestSite;
      before(async () => {
        site = await createTestSite(kind);
      });
      after(() => site.close());

      it('lets a user with an old bcryptjs hash log in, and stores an Argon2id hash of the same password', async () => {
        const db = site.database.db;
        await addBcryptUser(db, 'legacy', TEST_PASSWORD);
        assert.match(await storedHash(db, 'legacy'), /^\$2b\$04\$/);

        await site.browser().login('legacy');

        const after = await storedHash(db, 'legacy');
        assert.ok(after.startsWith(argon2idPrefix(TEST_PASSWORD_HASHING)), after.slice(0, 40));
        assert.deepEqual(await verifyPassword(after, TEST_PASSWORD, TEST_PASSWORD_HASHING), { verified: true, needsRehash: false });
        // The next login finds the current hash and leaves it alone.
        await site.browser().login('legacy');
        assert.equal(await storedHash(db, 'legacy'), after);
      });
    });

    describe('checkPassword', () => {
      let t: TestDatabase;
      const hashing = { passwordHashing: TEST_PASSWORD_HASHING };
      before(async () => {
        t = await createTestDatabase(kind);
        await migrateSite(t.db);
      });
      after(() => t.drop());

      it('accepts and rehashes bcrypt hashes of every prefix bcrypt implementations write ($2a$, $2b$, $2y$)', async () => {
        for (const prefix of ['$2a$', '$2b$', '$2y$']) {
          const username = `bcrypt-${prefix.slice(2, 3)}`;
          await addBcryptUser(t.db, username, TEST_PASSWORD, prefix);
          assert.equal((await checkPassword(t.db, username, TEST_PASSWORD, hashing))?.username, username);
          assert.ok((await storedHash(t.db, username)).startsWith(argon2idPrefix(TEST_PASSWORD_HASHING)), prefix);
        }
      });

      it('refuses a wrong password whatever the stored kind, and rewrites nothing', async () => {
        await addBcryptUser(t.db, 'old-kind', TEST_PASSWORD);
        await createUser(t.db, { username: 'new-kind', email: 'new-kind@example.test', password: TEST_PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
        for (const username of ['old-kind', 'new-kind']) {
          const before = await storedHash(t.db, username);
          assert.equal(await checkPassword(t.db, username, 'a wrong password', hashing), null, username);
          assert.equal(await checkPassword(t.db, username, '', hashing), null, username);
          assert.equal(await storedHash(t.db, username), before, username);
        }
      });

      it('moves an Argon2id hash made with other parameters to the current ones', async () => {
        const weaker: PasswordHashing = { memoryKiB: 512, iterations: 1, parallelism: 1 };
        await createUser(t.db, { username: 'weaker', email: 'weaker@example.test', password: TEST_PASSWORD, passwordHashing: weaker });
        assert.ok((await storedHash(t.db, 'weaker')).startsWith(argon2idPrefix(weaker)));
        assert.equal((await checkPassword(t.db, 'weaker', TEST_PASSWORD, hashing))?.username, 'weaker');
        assert.ok((await storedHash(t.db, 'weaker')).startsWith(argon2idPrefix(TEST_PASSWORD_HASHING)));
      });

      it('still logs the user in when the new hash cannot be stored, keeps the old one, and logs no secret', async () => {
        await addBcryptUser(t.db, 'stuck', TEST_PASSWORD);
        const before = await storedHash(t.db, 'stuck');
        const logs: string[] = [];
        const allowUpdates = await refuseUserUpdates(t.db);
        try {
          assert.equal((await checkPassword(t.db, 'stuck', TEST_PASSWORD, { ...hashing, log: (line) => logs.push(line) }))?.username, 'stuck');
        } finally {
          await allowUpdates();
        }
        assert.equal(await storedHash(t.db, 'stuck'), before, 'the old hash is kept, and still lets the user in');
        assert.equal(logs.length, 1);
        assert.match(logs[0] ?? '', /password's new hash was not stored/);
        for (const secret of [TEST_PASSWORD, '$argon2', '$2b$', 'read-only']) assert.ok(!(logs[0] ?? '').includes(secret), `the log line does not quote ${secret}`);
        // Once the database takes writes again, the next login finishes the move.
        assert.equal((await checkPassword(t.db, 'stuck', TEST_PASSWORD, hashing))?.username, 'stuck');
        assert.ok((await storedHash(t.db, 'stuck')).startsWith(argon2idPrefix(TEST_PASSWORD_HASHING)));
      });

      it('does not overwrite a password changed between the login\'s check and its rehash', async () => {
        const userId = await addBcryptUser(t.db, 'changed', TEST_PASSWORD);
        const verifiedHash = await storedHash(t.db, 'changed');
        // The admin sets a new password after the login read the row.
        await t.db('lms_users').where({ id: userId }).update({ password_hash: bcrypt.hashSync('the new password', 4) });
        await storeRehashedPassword(t.db, { userId, verifiedHash }, TEST_PASSWORD, hashing);
        assert.equal(await checkPassword(t.db, 'changed', TEST_PASSWORD, hashing), null, 'the old password is gone');
        assert.equal((await checkPassword(t.db, 'changed', 'the new password', hashing))?.username, 'changed');
      });

      it('checks an unknown username against a dummy hash of the current algorithm and parameters', async () => {
        assert.equal(await checkPassword(t.db, 'nobody', TEST_PASSWORD, hashing), null);
        assert.ok((await dummyPasswordHash(TEST_PASSWORD_HASHING)).startsWith(argon2idPrefix(TEST_PASSWORD_HASHING)));
        assert.ok((await dummyPasswordHash(SITE_PASSWORD_HASHING)).startsWith(argon2idPrefix(SITE_PASSWORD_HASHING)));
      });

      it('stores a hash at the site’s parameters, and room for stronger ones later (longer PHC strings)', async () => {
        const user = await createUser(t.db, { username: 'site-cost', email: 'site-cost@example.test', password: TEST_PASSWORD });
        assert.ok((await storedHash(t.db, 'site-cost')).startsWith(argon2idPrefix(SITE_PASSWORD_HASHING)));
        const longer = `$argon2id$v=19$m=4194304,t=10,p=16$${'s'.repeat(22)}$${'h'.repeat(86)}`;
        assert.ok(longer.length > 100);
        await t.db('lms_users').where({ id: Number(user.id) }).update({ password_hash: longer });
        assert.equal(await storedHash(t.db, 'site-cost'), longer);
      });

      it('never verifies a stored value that is neither Argon2 nor bcrypt', async () => {
        for (const stored of ['', 'plain text', '$argon2id$v=19$m=1024,t=1,p=1$broken', '$2b$04$short', `$1$${'x'.repeat(30)}`]) {
          assert.deepEqual(await verifyPassword(stored, 'plain text', TEST_PASSWORD_HASHING), { verified: false, needsRehash: false }, stored);
        }
      });
    });
  });
}
