import { ENGINE_TABLES } from '../store/engineTables.ts';
import { ownTablesFor } from '../store/factorStorage/ownTables.ts';
import type { AdminDependencies } from './adminDependencies.ts';

export interface FactorReportOptions {
  /** Count passes from this moment on (epoch ms). */
  since: number;
}

export interface FactorReportRow {
  factor: string;
  displayName: string;
  /** Users with a confirmed device (for trusted devices: a live trusted browser); null for factors nobody sets up (IP range). */
  enrolledUsers: number | null;
  /** Users who passed MFA with this factor since `since`. */
  passedUsers: number;
  /** Users whose failures on it reached the lockout threshold. */
  lockedUsers: number;
}

// Bounds the audit rows read for one report; a site past this gets a report of its newest passes.
const MAX_PASSES_READ = 100_000;

/**
 * Moodle tool_mfa's factor report: per enabled factor, who has it, who passed with it
 * in the period, who is locked out of it.
 */
export async function factorReport(deps: AdminDependencies, options: FactorReportOptions): Promise<FactorReportRow[]> {
  const settings = await deps.settings.snapshot();
  const threshold = settings.integer('lockout_threshold');
  const enabled = deps.factors.filter((f) => settings.boolean(`factor.${f.id}.enabled`));

  const enrolledRows: Array<{ factor: string; n: number | string }> = await deps.db('mfa_user_factors')
    .whereNotNull('confirmed_at')
    .groupBy('factor')
    .select('factor', deps.db.raw('count(distinct user_id) as n'));
  const enrolled = new Map(enrolledRows.map((r) => [r.factor, Number(r.n)]));
  // Factors with tables of their own count their users there (trusted browsers still live).
  for (const factor of enabled) {
    if (factor.ownData) enrolled.set(factor.id, await factor.ownData.countUsers(ownTablesFor(deps.db, factor.id, factor.tables ?? [], ENGINE_TABLES), deps.now()));
  }

  const lockedRows: Array<{ factor: string; n: number | string }> = await deps.db('mfa_factor_failures')
    .where('failures', '>=', threshold)
    .groupBy('factor')
    .select('factor', deps.db.raw('count(*) as n'));
  const locked = new Map(lockedRows.map((r) => [r.factor, Number(r.n)]));

  const passes = await deps.audit.recent({ event: 'mfa_passed', since: options.since, limit: MAX_PASSES_READ });
  const passedBy = new Map<string, Set<string>>();
  for (const pass of passes) {
    const factors = pass.detail?.factors;
    if (!Array.isArray(factors) || !pass.userId) continue;
    for (const id of factors) {
      if (typeof id !== 'string') continue;
      const users = passedBy.get(id) ?? new Set<string>();
      users.add(pass.userId);
      passedBy.set(id, users);
    }
  }

  return enabled.map((f) => ({
    factor: f.id,
    displayName: f.displayName,
    enrolledUsers: f.requiresInput || enrolled.has(f.id) ? (enrolled.get(f.id) ?? 0) : null,
    passedUsers: passedBy.get(f.id)?.size ?? 0,
    lockedUsers: locked.get(f.id) ?? 0,
  }));
}
