/**
 * The rules of the password-guessing throttle, on plain values (no database, no clock
 * of their own): what a guess may do given the state of its three keys, and what the
 * state becomes. plugin/engine/passwordLogins.ts applies them to the stored rows.
 *
 * Keyed so that an attacker cannot lock the real user out (OWASP Authentication Cheat
 * Sheet, "Account Lockout"; NIST SP 800-63B §5.2.2 "Rate Limiting (Throttling)"):
 * - per account *and* client address: consecutive failures, then an exponential wait.
 *   The attacker's address is slowed, the user's own is not;
 * - per account, over a sliding hour: a looser ceiling against many addresses at once;
 * - per address, over a sliding hour: a ceiling across accounts against spraying.
 * An address the account logged in from lately is "known" and passes both ceilings,
 * so a real user still gets in while a botnet fills them (its own pair still backs off).
 *
 * Addresses are not enough: behind a NAT the owner shares the attacker's, and with
 * `trust_proxy` a client names its own. So a browser that signed in as the user carries a
 * device cookie (OWASP, "Slow Down Online Guessing Attacks with Device Cookies";
 * passwordDeviceCookies.ts): with a valid one, none of the three limits applies and its
 * wrong passwords count only on the cookie's own row; after `deviceFailuresPerHour` of
 * them in an hour the cookie loses its exemption (OWASP's lockout list) and the client is
 * one without a cookie. Losing the exemption rather than being refused outright costs an
 * attacker nothing (dropping the cookie does the same) and spares the owner who mistyped.
 */
import { EMPTY_STATE, type GuessRowScope, type GuessState, type ThrottleScope } from '../store/guessState.ts';

export { EMPTY_STATE, type GuessRowScope, type GuessState, type ThrottleScope };

export interface ThrottlePolicy {
  /** Consecutive wrong passwords per account and address before each further try must wait. */
  failuresBeforeDelay: number;
  /** The longest wait the doubling reaches. */
  maxDelayMs: number;
  /** Wrong passwords per account in any hour, from addresses it has not logged in from. */
  accountFailuresPerHour: number;
  /** Wrong passwords per address in any hour, over all accounts it has not logged in to. */
  addressFailuresPerHour: number;
  /** Wrong passwords through one device cookie in any hour before it loses its exemption. */
  deviceFailuresPerHour: number;
}

/** The ceilings' window: any 60 minutes, not clock hours (a clock hour lets twice the ceiling through across its edge). */
export const WINDOW_MS = 3600_000;
/** The first wait once the free tries are used up; each further failure doubles it. */
export const FIRST_DELAY_MS = 60_000;
/** How long a login from an address keeps it known to the account (exempt from the ceilings). */
export const KNOWN_ADDRESS_MS = 30 * 86_400_000;
/** A pair with no failure for this long starts counting from zero again. */
export const FORGET_FAILURES_MS = 86_400_000;

/** The wait after the `failures`-th consecutive wrong password: none for the free ones, then 1, 2, 4... minutes up to the maximum. */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.failuresBeforeDelay) return 0;
  const doublings = Math.min(failures - policy.failuresBeforeDelay, 30);
  return Math.min(policy.maxDelayMs, FIRST_DELAY_MS * 2 ** doublings);
}

/** True when the pair logged in recently enough to pass the ceilings. */
export function isKnownPair(pair: GuessState, now: number): boolean {
  return pair.lastSuccessAt !== null && now - pair.lastSuccessAt < KNOWN_ADDRESS_MS;
}

function inWindow(times: readonly number[], now: number): number[] {
  return times.filter((t) => t > now - WINDOW_MS && t <= now).sort((a, b) => a - b);
}

/** Milliseconds until the window holds fewer than `limit` failures; 0 when it already does. */
export function windowWait(times: readonly number[], limit: number, now: number): number {
  const recent = inWindow(times, now);
  if (recent.length < limit) return 0;
  // Once the (length - limit + 1)-th oldest leaves the window, limit - 1 remain.
  return (recent[recent.length - limit] ?? now) + WINDOW_MS - now;
}

export interface GuessStates {
  pair: GuessState;
  account: GuessState;
  address: GuessState;
  /** The row of the client's device cookie; null when it has none this user's (or none can exist at its door). */
  device: GuessState | null;
}

/** Why a guess was let through: a device cookie, a known address (past the ceilings, not the pair's wait), or neither. */
export type GuessTrust = 'device' | 'known-address' | 'none';

/** New states for some of a guess's rows; a row not named is left as it is. */
export type GuessChanges = Partial<Record<GuessRowScope, GuessState>>;

export type GuessDecision =
  | { allowed: false; scope: ThrottleScope; waitMs: number }
  | { allowed: true; trust: GuessTrust; next: GuessChanges };

/** True while a device cookie has had its hour's wrong passwords: it passes no limit until the oldest leaves the window. */
export function isDeviceLocked(device: GuessState, policy: ThrottlePolicy, now: number): boolean {
  return windowWait(device.recentFailures, policy.deviceFailuresPerHour, now) > 0;
}

function counted(state: GuessState, now: number): GuessState {
  return { ...state, recentFailures: [...inWindow(state.recentFailures, now), now], updatedAt: now };
}

/**
 * Whether a password may be compared now and, if so, the rows with this guess already
 * counted as wrong (a reservation: parallel guesses cannot all slip under a limit; a
 * right password gives it back with `afterRightPassword`).
 */
export function decideGuess(states: GuessStates, policy: ThrottlePolicy, now: number): GuessDecision {
  const { pair, account, address, device } = states;
  // OWASP's trusted client: guesses from others never hold it back, its own count on its cookie only.
  if (device && !isDeviceLocked(device, policy, now)) return { allowed: true, trust: 'device', next: { device: counted(device, now) } };
  if (pair.blockedUntil > now) return { allowed: false, scope: 'pair', waitMs: pair.blockedUntil - now };
  const known = isKnownPair(pair, now);
  if (!known) {
    const accountWait = windowWait(account.recentFailures, policy.accountFailuresPerHour, now);
    if (accountWait > 0) return { allowed: false, scope: 'account', waitMs: accountWait };
    const addressWait = windowWait(address.recentFailures, policy.addressFailuresPerHour, now);
    if (addressWait > 0) return { allowed: false, scope: 'address', waitMs: addressWait };
  }
  const forgotten = pair.failures > 0 && now - pair.updatedAt >= FORGET_FAILURES_MS;
  const failures = (forgotten ? 0 : pair.failures) + 1;
  const delay = delayAfter(failures, policy);
  const nextPair = { ...pair, failures, blockedUntil: delay > 0 ? now + delay : 0, updatedAt: now };
  if (known) return { allowed: true, trust: 'known-address', next: { pair: nextPair } };
  return { allowed: true, trust: 'none', next: { pair: nextPair, account: counted(account, now), address: counted(address, now) } };
}

/** The pair after its password was right: failures forgotten, the address known to the account. */
export function pairAfterSuccess(pair: GuessState, now: number): GuessState {
  return { ...pair, failures: 0, blockedUntil: 0, lastSuccessAt: now, updatedAt: now };
}

/**
 * The rows after the reserved guess (taken at `reservedAt`, trusted as `trust`) turned out
 * right. Through a device cookie, the address becomes known to the account (for the doors
 * that can carry no cookie) but its wait stays: the owner signing in must not give the
 * client guessing beside them on the same NAT fresh tries.
 */
export function afterRightPassword(states: GuessStates, trust: GuessTrust, reservedAt: number, now: number): GuessChanges {
  switch (trust) {
    case 'device':
      return { pair: { ...states.pair, lastSuccessAt: now, updatedAt: now }, ...(states.device ? { device: ceilingWithout(states.device, reservedAt, now) } : {}) };
    case 'known-address':
      return { pair: pairAfterSuccess(states.pair, now) };
    case 'none':
      return { pair: pairAfterSuccess(states.pair, now), account: ceilingWithout(states.account, reservedAt, now), address: ceilingWithout(states.address, reservedAt, now) };
  }
}

/** A ceiling's state with one reserved failure (taken at `reservedAt`) given back. */
export function ceilingWithout(state: GuessState, reservedAt: number, now: number): GuessState {
  const index = state.recentFailures.indexOf(reservedAt);
  if (index < 0) return state;
  const recentFailures = state.recentFailures.filter((_, i) => i !== index);
  return { ...state, recentFailures: inWindow(recentFailures, now), updatedAt: now };
}
