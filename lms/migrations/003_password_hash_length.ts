import type { Knex } from 'knex';
import { databaseKind } from '../../plugin/store/openDatabase.ts';
import type { Migration } from '../../plugin/store/migrationSource.ts';

/**
 * `password_hash` holds Argon2id PHC strings now (passwordHashing.ts): at today's
 * parameters `$argon2id$v=19$m=7168,t=5,p=1$`, a 22-character salt and a 43-character hash
 * make 96 characters, close to the column's 100, and stronger parameters later would not
 * fit (MySQL refuses a value too long; the rehash on login would fail every time). 255
 * leaves room. SQLite does not enforce a VARCHAR's length, so only MySQL changes.
 */
export const passwordHashLength: Migration = {
  name: '003_password_hash_length',
  async up(db: Knex) {
    if (databaseKind(db) !== 'mysql') return;
    await db.schema.alterTable('lms_users', (t) => {
      t.string('password_hash', 255).notNullable().alter();
    });
  },
  async down(db: Knex) {
    if (databaseKind(db) !== 'mysql') return;
    // Refused by MySQL (strict mode) while a longer hash is stored, rather than cutting it.
    await db.schema.alterTable('lms_users', (t) => {
      t.string('password_hash', 100).notNullable().alter();
    });
  },
};
