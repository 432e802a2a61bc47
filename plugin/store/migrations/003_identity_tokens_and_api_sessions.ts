import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

export const identityTokensAndApiSessions: Migration = {
  name: '003_identity_tokens_and_api_sessions',
  async up(db: Knex) {
    // Long-lived credentials for unattended clients (Mediaflux's "secure identity
    // tokens"): they authenticate without MFA, so only a hash is kept, and a
    // revoked or expired row stops working on the very next request.
    await db.schema.createTable('mfa_identity_tokens', (t) => {
      t.increments('id').primary();
      t.string('user_id', 64).notNullable();
      t.string('name', 100).notNullable();
      t.string('token_hash', 64).notNullable().unique();
      t.string('scope', 700).notNullable().defaultTo('');
      t.bigInteger('created_at').notNullable();
      t.string('created_from_ip', 64).nullable();
      t.bigInteger('expires_at').nullable();
      t.bigInteger('last_used_at').nullable();
      t.string('last_used_ip', 64).nullable();
      t.bigInteger('revoked_at').nullable();
      t.index(['user_id', 'created_at']);
    });
    // Sessions of the JSON API (/api/v1/session): the API door's equivalent of a
    // browser session, opened after password + MFA. `mfa_passed_at` is when this
    // session last passed MFA (null: MFA was not enforced when it was made).
    await db.schema.createTable('mfa_api_sessions', (t) => {
      t.increments('id').primary();
      t.string('user_id', 64).notNullable();
      t.string('token_hash', 64).notNullable().unique();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable();
      t.bigInteger('mfa_passed_at').nullable();
      t.string('ip', 64).nullable();
      t.bigInteger('last_used_at').nullable();
      t.bigInteger('revoked_at').nullable();
      t.index(['user_id', 'created_at']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_api_sessions');
    await db.schema.dropTableIfExists('mfa_identity_tokens');
  },
};
