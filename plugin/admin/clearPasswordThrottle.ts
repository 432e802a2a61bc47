import { accountKeyOf } from '../engine/passwordLogins.ts';
import { PasswordGuessStore } from '../store/passwordGuesses.ts';
import type { AdminDependencies } from './adminDependencies.ts';

export interface ClearPasswordThrottleOptions {
  /** The account name as typed at the login (trimmed and lower-cased, as the host compares it). */
  username: string;
  /** The user, when the name is one; the audit row is about them. */
  userId: string | null;
  actor: string;
}

/**
 * Lets an account's password be tried again at once from everywhere: clears its
 * ceiling, every address's backoff for it and its device cookies' counts (a locked
 * cookie gets its exemption back). The addresses it logged in from stay
 * known. One `password_throttle_cleared` audit row. Returns how many of its counters
 * held failures (0: nothing was throttled or counting).
 */
export async function clearPasswordThrottle(deps: AdminDependencies, options: ClearPasswordThrottleOptions): Promise<number> {
  const cleared = await new PasswordGuessStore(deps.db).clearAccount(accountKeyOf(options.username), deps.now());
  await deps.audit.record({ event: 'password_throttle_cleared', userId: options.userId, actor: options.actor, detail: { countersCleared: cleared } });
  return cleared;
}
