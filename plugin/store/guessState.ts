/**
 * The shape of the password-guessing throttle's rows (mfa_password_guesses): what is kept
 * per key. The rules that read and change them are the engine's (plugin/engine/passwordThrottle.ts).
 */

/** The limits that can refuse a guess. */
export type ThrottleScope = 'pair' | 'account' | 'address';
/** The rows a guess may touch: the limits, and the client's device cookie. */
export type GuessRowScope = ThrottleScope | 'device';

/** What is stored per key (one row of mfa_password_guesses). */
export interface GuessState {
  /** Consecutive wrong passwords (pair keys). */
  failures: number;
  /** No try before this time (pair keys), epoch ms; 0 when free. */
  blockedUntil: number;
  /** Times of wrong passwords within the last hour, oldest first (account, address and device keys). */
  recentFailures: number[];
  /** When this pair last logged in (pair keys). */
  lastSuccessAt: number | null;
  /** When the row last changed. */
  updatedAt: number;
}

export const EMPTY_STATE: GuessState = { failures: 0, blockedUntil: 0, recentFailures: [], lastSuccessAt: null, updatedAt: 0 };
