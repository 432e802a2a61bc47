/**
 * The one error type of mfa-bridge. Callers branch on `code`, a stable string;
 * `message` is written for the person who will read it. Each door maps codes to
 * its own transport (an HTML page, a JSON body, a status code).
 *
 * @example
 * throw new MfaError('INVALID_CODE', 'That code is not right. 4 tries left.', { triesLeft: 4 });
 */
export type MfaErrorCode =
  | 'MFA_REQUIRED'
  | 'MFA_CODE_REQUIRED'
  | 'INVALID_CODE'
  | 'FACTOR_LOCKED'
  | 'FACTOR_NOT_AVAILABLE'
  /** Several factors fit an answer and the caller must say which (`details.factors`). */
  | 'FACTOR_REQUIRED'
  /** An approval on another device was asked for and not given yet: ask again in a moment (nothing was counted). */
  | 'APPROVAL_PENDING'
  | 'ATTEMPT_EXPIRED'
  | 'ATTEMPT_FAILED'
  | 'SETUP_REQUIRED'
  | 'SETUP_EXPIRED'
  | 'INVALID_INPUT'
  | 'UNKNOWN_SETTING'
  | 'INVALID_SETTING'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'RECENT_MFA_REQUIRED'
  /** The user's factors were reset after this session began: only a new password login may set up the first one. */
  | 'LOGIN_REQUIRED'
  | 'RATE_LIMITED'
  /** A code could not be delivered (the mail server refused or is down); nothing was counted. */
  | 'DELIVERY_FAILED'
  | 'INVALID_LOGIN'
  | 'INVALID_TOKEN'
  | 'CONFIGURATION'
  | 'DATABASE_UNAVAILABLE'
  /** Bridge API (/bridge/v1): no valid client signature (unknown or revoked client, bad signature, missing headers). */
  | 'BRIDGE_UNAUTHENTICATED'
  /** Bridge API: the request's timestamp is outside the window (clock skew or an old capture). */
  | 'BRIDGE_STALE'
  /** Bridge API: the request's nonce was seen before for this client: a replay. */
  | 'BRIDGE_REPLAYED';

export interface MfaErrorDetails {
  /** Tries left before the factor locks, when a wrong input was counted. */
  triesLeft?: number;
  /** The setting or field the error is about. */
  field?: string;
  [key: string]: unknown;
}

export class MfaError extends Error {
  override readonly name = 'MfaError';
  constructor(
    readonly code: MfaErrorCode,
    message: string,
    readonly details: MfaErrorDetails = {},
  ) {
    super(message);
  }
}

export function isMfaError(error: unknown, code?: MfaErrorCode): error is MfaError {
  return error instanceof MfaError && (code === undefined || error.code === code);
}
