import type { FactorStanding } from './decideOutcome.ts';

/**
 * Factors of these reference categories take a typed code, so a client without a
 * browser (an app at token.php, a script at the API) can use them; WebAuthn needs a
 * browser and no-input factors have nothing to type. By category, not by id, so a new
 * code factor (an SMS one, say) is offered at every door without touching them.
 */
const TYPED_CODE_CATEGORIES: ReadonlySet<string> = new Set(['otp', 'email', 'recovery']);

/** Of those, the ones whose code is mailed for one attempt: they need a request of their own before the code. */
const SENT_CODE_CATEGORIES: ReadonlySet<string> = new Set(['email']);

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
  const typed = factors.filter(
    (f) => f.requiresInput && f.configured && TYPED_CODE_CATEGORIES.has(f.referenceCategory) && (options.sentCodes || !SENT_CODE_CATEGORIES.has(f.referenceCategory)),
  );
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
 * the authenticator app when usable (what a user with an app types). The doors turn a
 * refusal into their own words before anything is counted toward the lockout.
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
  if (usable.some((f) => f.id === 'totp')) return { factorId: 'totp' };
  if (usable.length === 0) return locked.length > 0 ? { refused: 'all_locked' } : { refused: 'unavailable' };
  return { refused: 'ambiguous' };
}
