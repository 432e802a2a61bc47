import type { FactorStanding } from './decideOutcome.ts';

/**
 * Whether a client without a browser (an app at token.php, a script at the API) can
 * answer this factor: by its capabilities, never its id, so a new factor (an SMS code, a
 * push approval) is offered at every door it fits without touching the doors. WebAuthn
 * needs a browser; no-input factors have nothing to answer. `sentCodes: false` leaves out
 * factors that need a request of their own first (a mailed code cannot be in the same
 * request as the password).
 */
function answerableWithoutBrowser(factor: FactorStanding, sentCodes: boolean): boolean {
  const { capabilities } = factor;
  return capabilities.requiresInput && capabilities.worksWithoutBrowser && (sentCodes || !capabilities.sendsChallenge);
}

export interface CodeFactors {
  /** Set up, enabled, not locked, not already passed: what the caller can answer now. */
  usable: FactorStanding[];
  /** Set up, but locked: a reason to say "locked" rather than "not available". */
  locked: FactorStanding[];
}

/**
 * The typed-code factors of an attempt. `sentCodes: false` for a door that takes the
 * code in the same request as the password (the API): a mailed code cannot be there yet.
 */
export function codeFactors(factors: readonly FactorStanding[], options: { sentCodes: boolean }): CodeFactors {
  const typed = factors.filter((f) => f.requiresInput && f.configured && answerableWithoutBrowser(f, options.sentCodes));
  return { usable: typed.filter((f) => f.state !== 'locked' && f.state !== 'pass'), locked: typed.filter((f) => f.state === 'locked') };
}

export type CodeFactorChoice =
  | { factorId: string }
  /** The factor asked for is locked. */
  | { refused: 'locked'; factor: FactorStanding }
  /** The factor asked for is not one the caller can use, or none is usable and none locked. */
  | { refused: 'unavailable' }
  /** Nothing was asked for and every code factor is locked. */
  | { refused: 'all_locked' }
  /** Nothing was asked for and several fit: the caller must say which. */
  | { refused: 'ambiguous' };

/**
 * Which factor a code is for: the one asked for; without one, the only one there is, or
 * the first usable one in the order factors are offered when it needs no request of its
 * own first (an authenticator app: what a user who holds the device types straight away).
 * When the first one sends its code, a bare code could be meant for several: ask. The
 * doors turn a refusal into their own words before anything is counted toward the lockout.
 */
export function chooseCodeFactor(factors: CodeFactors, requested: string | null | undefined): CodeFactorChoice {
  const { usable, locked } = factors;
  if (requested) {
    if (usable.some((f) => f.id === requested)) return { factorId: requested };
    const lockedOne = locked.find((f) => f.id === requested);
    return lockedOne ? { refused: 'locked', factor: lockedOne } : { refused: 'unavailable' };
  }
  const [only] = usable;
  if (only && usable.length === 1) return { factorId: only.id };
  const [first] = usable;
  if (first && !first.capabilities.sendsChallenge) return { factorId: first.id };
  if (usable.length === 0) return locked.length > 0 ? { refused: 'all_locked' } : { refused: 'unavailable' };
  return { refused: 'ambiguous' };
}
