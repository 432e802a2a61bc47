import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

// Timestamps are epoch milliseconds in BIGINT columns: the same on SQLite and
// MySQL, with no time-zone conversion anywhere between the app and the row.
export const settingsAndAudit: Migration = {
  name: '001_settings_and_audit',
  async up(db: Knex) {
    await db.schema.createTable('mfa_settings', (t) => {
      t.string('name', 191).primary();
      t.text('value').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('updated_by', 191).nullable();
    });
    await db.schema.createTable('mfa_audit_log', (t) => {
      t.increments('id').primary();
      t.bigInteger('at').notNullable();
      t.string('event', 64).notNullable();
      t.string('user_id', 64).nullable();
      t.string('actor', 191).nullable();
      t.string('factor', 64).nullable();
      t.string('door', 16).nullable();
      t.string('ip', 64).nullable();
      t.text('detail').nullable();
      t.index(['user_id', 'at']);
      t.index(['event', 'at']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_audit_log');
    await db.schema.dropTableIfExists('mfa_settings');
  },
};
