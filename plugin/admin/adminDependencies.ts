import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { MfaError } from '../errors.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';

/** A factor as the admin tools name it. */
export interface AdminFactor {
  id: string;
  displayName: string;
  /** False for factors that decide on their own (trusted device, IP range). */
  requiresInput: boolean;
}

/**
 * What the admin tools work with: the store, the audit log, the settings and the list
 * of factors. No host and no secret key, so the CLI can rescue a locked-out site with
 * nothing but the database.
 */
export interface AdminDependencies {
  db: Knex;
  audit: AuditLog;
  settings: SettingsStore;
  factors: readonly AdminFactor[];
  now: () => number;
}

/** The factor called `id`, or FACTOR_NOT_AVAILABLE listing the ones there are. */
export function adminFactor(deps: Pick<AdminDependencies, 'factors'>, id: string): AdminFactor {
  const factor = deps.factors.find((f) => f.id === id);
  if (!factor) {
    throw new MfaError('FACTOR_NOT_AVAILABLE', `There is no factor "${id}"; the factors are: ${deps.factors.map((f) => f.id).join(', ')}.`, { field: 'factor' });
  }
  return factor;
}
