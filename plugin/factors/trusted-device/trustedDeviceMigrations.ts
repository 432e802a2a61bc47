import type { Knex } from 'knex';
import type { Migration } from '../../spi/migration.ts';

export const TRUSTED_DEVICES_TABLE = 'mfa_trusted_devices';

/**
 * The factor's own table. Releases before the factor storage API made it among the
 * plugin's own tables (migration 002), so an upgraded database has it already, rows and
 * all: it is made only when missing, and kept when this migration is rolled back on such a database.
 */
export const trustedDevicesTable: Migration = {
  name: 'trusted_device_001_trusted_devices',
  async up(db: Knex) {
    if (await db.schema.hasTable(TRUSTED_DEVICES_TABLE)) return;
    await db.schema.createTable(TRUSTED_DEVICES_TABLE, (t) => {
      t.increments('id').primary();
      t.string('user_id', 64).notNullable();
      t.string('token_hash', 64).notNullable().unique();
      t.string('label', 191).nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable();
      t.bigInteger('last_used_at').nullable();
      t.string('ip', 64).nullable();
      t.string('user_agent', 512).nullable();
      t.index(['user_id']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists(TRUSTED_DEVICES_TABLE);
  },
};
