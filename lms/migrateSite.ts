import type { Knex } from 'knex';
import type { AnyFactorProviderFactory } from '../plugin/spi/factor.ts';
import { runMigrations } from '../plugin/store/migrationSource.ts';
import { migratePlugin } from '../plugin/migratePlugin.ts';
import { lmsTables } from './migrations/001_lms_tables.ts';
import { sessionHashes } from './migrations/002_session_hashes.ts';
import { passwordHashLength } from './migrations/003_password_hash_length.ts';

/** The host's schema and the plugin's, each in its own migrations table: the plugin installs into a host, it does not own it. */
export async function migrateSite(db: Knex, factors?: readonly AnyFactorProviderFactory[]): Promise<{ plugin: string[]; lms: string[] }> {
  const lms = await runMigrations(db, [lmsTables, sessionHashes, passwordHashLength], 'lms_migrations');
  const plugin = await migratePlugin(db, factors);
  return { plugin, lms };
}
