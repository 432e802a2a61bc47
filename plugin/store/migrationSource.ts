import type { Knex } from 'knex';
import type { Migration } from '../spi/migration.ts';

export type { Migration };

/**
 * Migrations listed in code rather than found on disk, so they run the same under
 * tsx, from the CLI and in tests, whatever the working directory.
 */
export class ListedMigrations implements Knex.MigrationSource<Migration> {
  constructor(private readonly migrations: readonly Migration[]) {}
  async getMigrations(): Promise<Migration[]> {
    return [...this.migrations];
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  async getMigration(migration: Migration): Promise<Knex.Migration> {
    return { up: migration.up, down: migration.down };
  }
}

/**
 * Runs `migrations` that have not run yet, recording them in `tableName`. `forgetMissing`:
 * a recorded migration that is no longer listed is no error (a factor's, after the site
 * stopped loading that factor; its tables stay as they were).
 */
export async function runMigrations(db: Knex, migrations: readonly Migration[], tableName: string, options: { forgetMissing?: boolean } = {}): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: new ListedMigrations(migrations),
    tableName,
    disableMigrationsListValidation: options.forgetMissing ?? false,
  })) as [number, string[]];
  return applied;
}
