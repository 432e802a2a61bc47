import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { MfaError } from '../errors.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { Host } from '../spi/host.ts';

/** A factor as the admin tools name it. */
export interface AdminFactor {
  id: string;
  displayName: string;
  /** False for factors that decide on their own (trusted device, IP range). */
  requiresInput: boolean;
}

/**
 * The host's part of an admin reset: ending its browser sessions and revoking its app
 * tokens. Each is optional, as on `Host`; the CLI gives whichever host built it (createMfaCli).
 */
export type AdminHostActions = Pick<Host, 'findUserById' | 'endUserSessions' | 'listServiceTokens' | 'revokeServiceToken'>;

/**
 * What the admin tools work with: the store, the audit log, the settings and the list
 * of factors. No mailer and no secret key, so the CLI can rescue a locked-out site with
 * nothing but the database.
 */
export interface AdminDependencies {
  db: Knex;
  /** The host's sessions and app tokens; without it, a reset ends only the plugin's API sessions and identity tokens. */
  host?: AdminHostActions;
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
