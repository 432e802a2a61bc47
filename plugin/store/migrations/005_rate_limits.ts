import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * Fixed-window counters for limits that span attempts (e.g. emails per user per hour):
 * in the database, so every app instance counts against the same number.
 */
export const rateLimits: Migration = {
  name: '005_rate_limits',
  async up(db: Knex) {
    await db.schema.createTable('mfa_rate_limits', (t) => {
      t.string('bucket', 128).notNullable();
      t.bigInteger('window_start').notNullable();
      t.integer('count').notNullable().defaultTo(0);
      t.primary(['bucket', 'window_start']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_rate_limits');
  },
};
