import type { Migration } from '../migrationSource.ts';
import { settingsAndAudit } from './001_settings_and_audit.ts';
import { attemptsAndFactors } from './002_attempts_and_factors.ts';
import { knownSignIns } from './004_known_sign_ins.ts';

/**
 * The plugin's own schema, in order. A new migration is appended here, never inserted.
 * 003 is taken by identity tokens (being written on another branch); it goes before 004
 * when the branches meet. Knex runs every listed migration not yet run, whatever its place.
 */
export const pluginMigrations: readonly Migration[] = [settingsAndAudit, attemptsAndFactors, knownSignIns];
