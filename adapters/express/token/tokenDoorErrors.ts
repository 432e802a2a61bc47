import { isMfaError, type MfaError } from '../../../plugin/errors.ts';

/** Moodle's wording (MDL-78816), so apps that show Moodle's errors show ours. */
export const MFA_REQUIRED_FOR_SERVICE = 'Multi-factor authentication is required for this service';

/** A refusal at login/token.php; the endpoint wraps `body` in Moodle's error shape. */
export interface TokenDoorRefusal {
  allow: false;
  body: { errorcode: string; error: string } & Record<string, unknown>;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number | null;
}

/** What the app needs to try again on the same attempt; absent once the attempt is gone. */
export type RetryFields = {
  mfa_token?: string;
  mfa_factors?: string[];
};

export function refusal(errorcode: string, error: string, extra: Record<string, unknown> = {}, retryAfterSeconds?: number | null): TokenDoorRefusal {
  return { allow: false, body: { errorcode, error, ...extra }, retryAfterSeconds };
}

export function tokenExpired(): TokenDoorRefusal {
  return refusal('mfatokenexpired', 'This MFA token has expired or was already used. Log in again with your username and password.');
}

/** mfa_code, mfa_factor, ... given as something other than text (an array, an object). */
export function invalidField(name: string): TokenDoorRefusal {
  return refusal('invalidparameter', `Invalid parameter value detected (${name} must be text)`);
}

/**
 * The engine's error codes as Moodle error bodies (the endpoint answers them with HTTP
 * 200, as Moodle does: the app reads nothing else). Errors the app can recover from on the same attempt carry `retry` (mfa_token, and
 * the factors still usable); for a lock, the locked factor is no longer offered.
 * Anything else is not the caller's doing: it is rethrown, to end as a 500 or 503.
 */
export function refusalForError(error: unknown, retry: RetryFields, factorId?: string): TokenDoorRefusal {
  if (!isMfaError(error)) throw error;
  const details = error.details;
  switch (error.code) {
    case 'INVALID_CODE':
      return refusal('invalidmfacode', error.message, { ...retry, mfa_tries_left: details.triesLeft ?? null });
    case 'FACTOR_LOCKED': {
      const others = (retry.mfa_factors ?? []).filter((id) => id !== factorId);
      return refusal('mfalocked', error.message, others.length > 0 ? { ...retry, mfa_factors: others } : {});
    }
    case 'ATTEMPT_EXPIRED':
      return tokenExpired();
    case 'ATTEMPT_FAILED':
      return refusal('mfarefused', error.message);
    case 'FACTOR_NOT_AVAILABLE':
      return refusal('mfafactorunavailable', error.message, retry);
    case 'INVALID_INPUT':
      return refusal('invalidparameter', error.message, retry);
    case 'DELIVERY_FAILED':
      // The mail server, not the app, failed: the same mfa_token may ask again in a while.
      return refusal('mfasendfailed', error.message, retry, typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : null);
    case 'RATE_LIMITED':
      // The email factor's send limits are on the field `resend`.
      return rateLimited(error, retry, details.field === 'resend' ? 'mfasendlimit' : 'mfaratelimited');
    default:
      throw error;
  }
}

/** Retry-After when a wait helps; `mfa_retry_after` null when it will not (too many codes: log in again). */
function rateLimited(error: MfaError, retry: RetryFields, errorcode: string): TokenDoorRefusal {
  const seconds = typeof error.details.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : null;
  return refusal(errorcode, error.message, { ...retry, mfa_retry_after: seconds }, seconds);
}
