import { IdentityTokens } from '../credentials/identityTokens.ts';
import { UserSessions } from '../credentials/userSessions.ts';
import { MfaError } from '../errors.ts';
import { ENGINE_TABLES } from '../store/engineTables.ts';
import { forgetUserFactorRows } from '../store/factorStorage/factorRecordStore.ts';
import { ownTablesFor } from '../store/factorStorage/ownTables.ts';
import { type AdminDependencies, adminFactor } from './adminDependencies.ts';

export interface ResetUserFactorsOptions {
  userId: string;
  /** One factor's id; without it, every factor of the user and their trusted browsers. */
  factor?: string;
  /** Why (e.g. "lost phone, identity checked by phone call"): required, kept in the audit log. */
  reason: string;
  /** Who did it: an admin's username, or `cli`. */
  actor: string;
  /**
   * Revoke the user's identity tokens and app (service) tokens too: they act without MFA,
   * and whoever took the device may have made one. @default true
   */
  revokeTokens?: boolean;
}

export interface ResetUserFactorsResult {
  /** Records deleted from the factors' storage (devices, pending set-ups, recovery codes). */
  devicesRemoved: number;
  /** Rows deleted from factors' own tables (trusted browsers). */
  trustedDevicesRevoked: number;
  /** Factors whose failure count (and so lock) was cleared. */
  failureCountsCleared: string[];
  /** Browser sessions (the host's) and API sessions ended: always, a reset is no use while a thief's session stays in. */
  webSessionsEnded: number;
  apiSessionsEnded: number;
  identityTokensRevoked: number;
  serviceTokensRevoked: number;
}

export const MAX_REASON_LENGTH = 500;

/**
 * An admin's rescue for a lost or broken device: removes the user's devices of one
 * factor (or of all, trusted browsers included) and their failure counts, in one
 * transaction with the `factor_reset` audit row; then ends every session of the user
 * (`sessions_ended`) and, unless told not to, revokes their tokens. The user sets the
 * factor up again themself, from a new login (recentPassRequired); nobody can enrol it
 * for them.
 *
 * @example
 * await resetUserFactors(deps, { userId: '42', factor: 'totp', reason: 'Phone lost, ID checked at the desk', actor: 'admin' });
 */
export async function resetUserFactors(deps: AdminDependencies, options: ResetUserFactorsOptions): Promise<ResetUserFactorsResult> {
  const reason = options.reason.trim();
  if (reason === '') throw new MfaError('INVALID_INPUT', 'Give a reason for the reset; it is kept in the audit log.', { field: 'reason' });
  if (reason.length > MAX_REASON_LENGTH) {
    throw new MfaError('INVALID_INPUT', `The reason is ${reason.length} characters long; at most ${MAX_REASON_LENGTH} are kept.`, { field: 'reason' });
  }
  const chosen = options.factor === undefined ? undefined : adminFactor(deps, options.factor);
  const factor = chosen?.id;
  const revokeTokens = options.revokeTokens ?? true;
  const { userId, actor } = options;
  const reset = await deps.db.transaction(async (trx) => {
    const devices = trx('mfa_user_factors').where({ user_id: userId });
    if (factor) devices.where({ factor });
    const devicesRemoved = await devices.delete();
    let trustedDevicesRevoked = 0;
    for (const owner of chosen ? [chosen] : deps.factors) {
      if (owner.ownData) trustedDevicesRevoked += await owner.ownData.removeUser(ownTablesFor(trx, owner.id, owner.tables ?? [], ENGINE_TABLES), userId, deps.now());
    }
    const failures = trx('mfa_factor_failures').where({ user_id: userId }).where('failures', '>', 0);
    if (factor) failures.where({ factor });
    const failureCountsCleared = (await failures.clone().select('factor')).map((row: { factor: string }) => row.factor);
    await failures.delete();
    const identityTokensRevoked = revokeTokens ? await new IdentityTokens(deps.db, deps.audit, deps.now).revokeAll(userId, trx) : 0;
    const result = { devicesRemoved, trustedDevicesRevoked, failureCountsCleared, identityTokensRevoked };
    await deps.audit.record({ event: 'factor_reset', userId, actor, factor: factor ?? null, detail: { reason, ...result, revokeTokens } }, trx);
    return result;
  });
  forgetUserFactorRows(deps.db, userId);
  // The host's part comes after the commit: its tables are not ours to join in a transaction.
  const ended = await new UserSessions({ db: deps.db, host: deps.host ?? {}, audit: deps.audit, now: deps.now }).endAll(userId, { cause: 'factor_reset', actor });
  const serviceTokensRevoked = revokeTokens ? await revokeServiceTokens(deps, userId, actor) : 0;
  return { ...reset, webSessionsEnded: ended.webSessions, apiSessionsEnded: ended.apiSessions, serviceTokensRevoked };
}

async function revokeServiceTokens(deps: AdminDependencies, userId: string, actor: string): Promise<number> {
  const host = deps.host;
  if (!host?.listServiceTokens || !host.revokeServiceToken) return 0;
  const user = await host.findUserById(userId);
  if (!user) return 0;
  let revoked = 0;
  for (const token of await host.listServiceTokens(user)) {
    if (!(await host.revokeServiceToken(user, token.id))) continue;
    revoked += 1;
    await deps.audit.record({ event: 'service_token_revoked', userId, actor, detail: { tokenId: token.id, cause: 'factor_reset' } });
  }
  return revoked;
}
