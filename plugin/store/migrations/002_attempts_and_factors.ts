import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

export const attemptsAndFactors: Migration = {
  name: '002_attempts_and_factors',
  async up(db: Knex) {
    // One row per login that has passed its password and must pass MFA: the
    // single attempt behind both doors (DESIGN.md, "a login attempt with two doors").
    await db.schema.createTable('mfa_attempts', (t) => {
      t.string('id', 64).primary();
      t.string('user_id', 64).notNullable();
      t.string('door', 16).notNullable();
      t.string('status', 16).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable();
      t.bigInteger('finished_at').nullable();
      t.string('ip', 64).nullable();
      t.string('user_agent', 512).nullable();
      t.string('service', 100).nullable();
      // The token door's opaque, single-use handle; only its hash is kept.
      t.string('handle_hash', 64).nullable().unique();
      t.index(['user_id', 'created_at']);
    });
    await db.schema.createTable('mfa_attempt_factors', (t) => {
      t.string('attempt_id', 64).notNullable().references('id').inTable('mfa_attempts').onDelete('CASCADE');
      t.string('factor', 64).notNullable();
      t.string('state', 16).notNullable();
      t.text('data').nullable();
      t.bigInteger('updated_at').notNullable();
      t.primary(['attempt_id', 'factor']);
    });
    // A factor a user has set up (or is setting up: confirmed_at is null until the
    // user proves the device works). `counter` is the replay marker: the last
    // accepted TOTP time step, or the WebAuthn signature counter.
    await db.schema.createTable('mfa_user_factors', (t) => {
      t.increments('id').primary();
      t.string('user_id', 64).notNullable();
      t.string('factor', 64).notNullable();
      t.string('label', 191).notNullable();
      t.text('secret').nullable();
      t.string('credential_id', 512).nullable().unique();
      t.bigInteger('counter').notNullable().defaultTo(0);
      t.text('data').nullable();
      t.bigInteger('created_at').notNullable();
      t.string('created_from_ip', 64).nullable();
      t.bigInteger('confirmed_at').nullable();
      t.bigInteger('last_used_at').nullable();
      t.index(['user_id', 'factor']);
    });
    // Failed inputs per user and factor; the factor is locked when `failures`
    // reaches the lockout threshold. Counted with atomic UPDATEs so parallel
    // requests and several app instances share one count.
    await db.schema.createTable('mfa_factor_failures', (t) => {
      t.string('user_id', 64).notNullable();
      t.string('factor', 64).notNullable();
      t.integer('failures').notNullable().defaultTo(0);
      t.bigInteger('updated_at').notNullable();
      t.primary(['user_id', 'factor']);
    });
    // mfa_trusted_devices was made here too; it is the trusted-device factor's own table now,
    // made by its migration when missing (plugin/factors/trusted-device/trustedDeviceMigrations.ts).
  },
  async down(db: Knex) {
    for (const table of ['mfa_trusted_devices', 'mfa_factor_failures', 'mfa_user_factors', 'mfa_attempt_factors', 'mfa_attempts']) {
      await db.schema.dropTableIfExists(table);
    }
  },
};
