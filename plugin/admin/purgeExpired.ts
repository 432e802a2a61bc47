import { FORGET_FAILURES_MS, KNOWN_ADDRESS_MS } from '../engine/passwordThrottle.ts';
import { NONCE_RETENTION_MS } from '../bridge/authenticateBridgeRequest.ts';
import { BridgeNonces } from '../store/bridgeNonces.ts';
import { PasswordGuessStore } from '../store/passwordGuesses.ts';
import type { AdminDependencies } from './adminDependencies.ts';

export interface PurgeExpiredOptions {
  /** Keep rows that ended less than this many days ago (they may still help an investigation). */
  olderThanDays: number;
  actor: string;
}

export interface PurgeExpiredResult {
  attempts: number;
  apiSessions: number;
  identityTokens: number;
  /** Password-guessing counters that no longer decide anything (any age: they are not history). */
  passwordGuesses: number;
  /** Nonces of bridge requests older than any request the bridge still accepts (replay markers no window needs). */
  bridgeNonces: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes what no login can use any more: MFA attempts, API sessions and identity
 * tokens that expired or were revoked more than `olderThanDays` ago, and password-guessing
 * counters that no window counts any more. Every login (and
 * every Basic API call) writes an attempt, so without this the table only grows. The
 * audit log keeps the history; it is never purged here.
 */
export async function purgeExpired(deps: AdminDependencies, options: PurgeExpiredOptions): Promise<PurgeExpiredResult> {
  const before = deps.now() - options.olderThanDays * DAY_MS;
  return deps.db.transaction(async (trx) => {
    const attemptIds = trx('mfa_attempts').where('expires_at', '<', before).select('id');
    await trx('mfa_attempt_factors').whereIn('attempt_id', attemptIds).delete();
    const attempts = await trx('mfa_attempts').where('expires_at', '<', before).delete();
    const apiSessions = await trx('mfa_api_sessions')
      .where((q) => q.where('expires_at', '<', before).orWhere('revoked_at', '<', before))
      .delete();
    const identityTokens = await trx('mfa_identity_tokens')
      .where((q) => q.where('expires_at', '<', before).orWhere('revoked_at', '<', before))
      .delete();
    // Anonymous guessing makes counters per name tried; they go once they are out of every
    // window, whatever --days says, so the table stays as small as the guessing of the last day.
    const now = deps.now();
    const passwordGuesses = await new PasswordGuessStore(deps.db).purge(now - FORGET_FAILURES_MS, now - KNOWN_ADDRESS_MS, trx);
    const bridgeNonces = await new BridgeNonces(deps.db).purge(now - NONCE_RETENTION_MS, trx);
    const result = { attempts, apiSessions, identityTokens, passwordGuesses, bridgeNonces };
    await deps.audit.record({ event: 'expired_purged', actor: options.actor, detail: { purged: result, olderThanDays: options.olderThanDays } }, trx);
    return result;
  });
}
