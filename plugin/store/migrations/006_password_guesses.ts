import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * The password-guessing throttle (plugin/engine/passwordThrottle.ts), in the database
 * so every app instance counts against the same numbers. One row per key: an account
 * and client address pair (consecutive failures, backoff, when it last logged in), an
 * account, or an address (failures in the last hour, for the ceilings). `throttle_key`
 * and `account_key` are SHA-256 hashes: a username field sometimes holds a password
 * typed in the wrong box, and the table keeps neither names nor addresses in clear.
 * `version` makes every change a compare-and-swap.
 */
export const passwordGuesses: Migration = {
  name: '006_password_guesses',
  async up(db: Knex) {
    await db.schema.createTable('mfa_password_guesses', (t) => {
      t.string('throttle_key', 64).notNullable().primary();
      t.string('scope', 16).notNullable();
      t.string('account_key', 64).nullable().index();
      t.integer('version').notNullable().defaultTo(0);
      t.integer('failures').notNullable().defaultTo(0);
      t.bigInteger('blocked_until').notNullable().defaultTo(0);
      // JSON array of failure times (ms) within the last hour: at most the ceiling's length.
      t.text('recent_failures').notNullable();
      t.bigInteger('last_success_at').nullable();
      t.bigInteger('updated_at').notNullable().index();
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_password_guesses');
  },
};
