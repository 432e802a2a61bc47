import { MfaError } from '../../errors.ts';
import type { FactorLimits } from '../../spi/factorStorage.ts';

export interface ResendRules {
  /** Seconds between two codes (setting factor.email.resend_interval_seconds). */
  intervalSeconds: number;
  /** Codes per login attempt, or per set-up (setting factor.email.max_sends_per_attempt). */
  maxSends: number;
}

export interface SendHistory {
  sends: number;
  lastSentAt: number;
}

/**
 * Refuses a new code that comes too soon or one too many. Mail is a cost and a nuisance
 * someone holding only the password could inflict on the owner of the mailbox, so the
 * limits hold per attempt and live in the database with the attempt (DESIGN.md: nothing
 * that decides a login lives only in memory).
 *
 * The error is RATE_LIMITED with `retryAfterSeconds` (null when no wait will help),
 * so a door can answer 429 with Retry-After.
 */
export function assertMaySend(history: SendHistory, now: number, rules: ResendRules): void {
  if (history.sends >= rules.maxSends) {
    throw new MfaError(
      'RATE_LIMITED',
      `You have asked for ${history.sends} codes, the most allowed here. Use the newest code in your mailbox (check the spam folder too), or start again by logging in with your password.`,
      { field: 'resend', reason: 'too_many_codes', retryAfterSeconds: null },
    );
  }
  if (history.sends === 0) return;
  const waitMs = history.lastSentAt + rules.intervalSeconds * 1000 - now;
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new MfaError(
      'RATE_LIMITED',
      `A code was sent a moment ago; it can take a minute to arrive. You can ask for a new one in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`,
      { field: 'resend', reason: 'too_soon', retryAfterSeconds: seconds },
    );
  }
}

const HOUR_MS = 3600_000;

/**
 * The cap per user (setting factor.email.max_sends_per_hour), over all attempts and
 * set-ups: the per-attempt limits alone let someone with the password flood the
 * mailbox by logging in again and again. Taken before the code is written, so a
 * refused send never replaces the code the user already has.
 */
export async function takeUserSend(limits: FactorLimits, userId: string, perHour: number): Promise<{ giveBack(): Promise<void> }> {
  const result = await limits.take(userId, 'sends', perHour, HOUR_MS);
  // A send that never left (the mail server refused it) gives its unit back.
  if (result.taken) return { giveBack: result.giveBack };
  const minutes = Math.ceil(result.retryAfterSeconds / 60);
  throw new MfaError(
    'RATE_LIMITED',
    `Too many codes were emailed to this account in the last hour. Use the newest code in your mailbox, or ask again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`,
    { field: 'resend', reason: 'user_hourly_cap', retryAfterSeconds: result.retryAfterSeconds },
  );
}
