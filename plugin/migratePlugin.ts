import type { Knex } from 'knex';
import { builtInFactors } from './factors/index.ts';
import type { AnyFactorProviderFactory } from './spi/factor.ts';
import { runMigrations } from './store/migrationSource.ts';
import { pluginMigrations } from './store/migrations/index.ts';

export const PLUGIN_MIGRATIONS_TABLE = 'mfa_migrations';

/** Where factors' own migrations are recorded: apart from the plugin's, so a factor that is no longer loaded leaves no gap in them. */
export const FACTOR_MIGRATIONS_TABLE = 'mfa_factor_migrations';

/**
 * Brings the plugin's tables up to date, then the factors' own (each factor's migrations
 * in its order, factors in registration order); returns the names of the migrations it ran.
 * Pass the site's factors (built-in and loaded from MFA_FACTORS) so theirs run too.
 */
export async function migratePlugin(db: Knex, factors: readonly AnyFactorProviderFactory[] = builtInFactors): Promise<string[]> {
  const applied = await runMigrations(db, pluginMigrations, PLUGIN_MIGRATIONS_TABLE);
  const factorMigrations = factors.flatMap((factory) => factory.migrations ?? []);
  if (factorMigrations.length === 0) return applied;
  return [...applied, ...(await runMigrations(db, factorMigrations, FACTOR_MIGRATIONS_TABLE, { forgetMissing: true }))];
}
