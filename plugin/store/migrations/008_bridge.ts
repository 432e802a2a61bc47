import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * The bridge API (/bridge/v1, issue 14), for platforms that are not Node (Keycloak):
 * - `mfa_bridge_clients`: one row per calling platform. The signing key (HMAC of the
 *   client's secret, docs/bridge-protocol.md) is kept sealed by the secret box, never in clear
 *   and never the secret itself.
 * - `mfa_bridge_nonces`: the nonces of signed requests seen within the timestamp window,
 *   so a replayed request is refused by every app instance (a primary key, not memory).
 * - `mfa_bridge_users`: the platform's users, provisioned on first sight, each with a
 *   plugin user id (`bridge-<id>`) under which the engine keeps factors, lockout and audit.
 */
export const bridgeTables: Migration = {
  name: '008_bridge',
  async up(db: Knex) {
    await db.schema.createTable('mfa_bridge_clients', (t) => {
      t.string('client_id', 64).notNullable().primary();
      t.string('platform', 64).notNullable();
      t.text('sealed_signing_key').notNullable();
      t.bigInteger('created_at').notNullable();
      t.string('created_by', 191).nullable();
      t.bigInteger('last_used_at').nullable();
      t.bigInteger('revoked_at').nullable();
    });
    await db.schema.createTable('mfa_bridge_nonces', (t) => {
      t.string('client_id', 64).notNullable();
      t.string('nonce', 64).notNullable();
      t.bigInteger('seen_at').notNullable().index();
      t.primary(['client_id', 'nonce']);
    });
    await db.schema.createTable('mfa_bridge_users', (t) => {
      t.increments('id').primary();
      t.string('platform', 64).notNullable();
      t.string('platform_user_id', 191).notNullable();
      t.string('username', 191).notNullable();
      t.string('email', 191).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.unique(['platform', 'platform_user_id']);
      t.index(['platform', 'username']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_bridge_users');
    await db.schema.dropTableIfExists('mfa_bridge_nonces');
    await db.schema.dropTableIfExists('mfa_bridge_clients');
  },
};
