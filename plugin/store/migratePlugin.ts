import type { Knex } from 'knex';
import { runMigrations } from './migrationSource.ts';
import { pluginMigrations } from './migrations/index.ts';

export const PLUGIN_MIGRATIONS_TABLE = 'mfa_migrations';

/** Brings the plugin's tables up to date; returns the names of the migrations it ran. */
export function migratePlugin(db: Knex): Promise<string[]> {
  return runMigrations(db, pluginMigrations, PLUGIN_MIGRATIONS_TABLE);
}
