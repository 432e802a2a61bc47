import type { FactorStanding } from '../../../plugin/engine/decideOutcome.ts';
import type { FactorRegistry } from '../../../plugin/engine/factorRegistry.ts';
import { refusal, type RetryFields, type TokenDoorRefusal } from './tokenDoorErrors.ts';

/**
 * An app without a browser can only type a code. Factors of these reference categories
 * take one (TOTP, email, recovery codes); WebAuthn needs a browser's navigator.credentials
 * and no-input factors have nothing to type. By category, not by id, so a new code
 * factor (an SMS one, say) is offered here without touching the door.
 */
const TYPED_CODE_CATEGORIES: ReadonlySet<string> = new Set(['otp', 'email', 'recovery']);

/** The input factors this user can use from an app now: set up, enabled, not locked, typed. */
export function appFactors(factors: readonly FactorStanding[], registry: FactorRegistry): FactorStanding[] {
  const typed = new Set(registry.all().filter((f) => TYPED_CODE_CATEGORIES.has(f.referenceCategory)).map((f) => f.id));
  return factors.filter((f) => f.requiresInput && f.configured && f.state !== 'locked' && f.state !== 'pass' && typed.has(f.id));
}

/** Set up, typed, but locked: a reason to say `mfalocked` rather than `mfarequired`. */
export function lockedAppFactors(factors: readonly FactorStanding[], registry: FactorRegistry): FactorStanding[] {
  const typed = new Set(registry.all().filter((f) => TYPED_CODE_CATEGORIES.has(f.referenceCategory)).map((f) => f.id));
  return factors.filter((f) => f.requiresInput && f.configured && f.state === 'locked' && typed.has(f.id));
}

/**
 * Which factor the code is for: the one asked for (mfa_factor); without it the only one
 * there is, or TOTP when usable (what a Moodle user with an authenticator app types); else
 * the app must say. An unusable choice is refused before anything is counted.
 */
export function chooseFactor(
  usable: readonly FactorStanding[],
  locked: readonly FactorStanding[],
  requested: string | undefined,
  retry: RetryFields,
): { factorId: string } | TokenDoorRefusal {
  const ids = usable.map((f) => f.id).join(', ');
  if (requested !== undefined) {
    if (usable.some((f) => f.id === requested)) return { factorId: requested };
    const lockedOne = locked.find((f) => f.id === requested);
    if (lockedOne) return refusal(403, 'mfalocked', `${lockedOne.displayName} is locked after too many wrong tries.${ids ? ` Use another: ${ids}.` : ''}`, usable.length ? retry : {});
    return refusal(400, 'mfafactorunavailable', ids ? `mfa_factor must be one of: ${ids}.` : 'No way of verifying works from the app for this account.', retry);
  }
  const [only] = usable;
  if (only && usable.length === 1) return { factorId: only.id };
  if (usable.some((f) => f.id === 'totp')) return { factorId: 'totp' };
  if (usable.length === 0) {
    if (locked.length > 0) return refusal(403, 'mfalocked', 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.');
    return refusal(400, 'mfafactorunavailable', 'No way of verifying works from the app for this account.', retry);
  }
  return refusal(400, 'mfafactorrequired', `Say which way you verify: send mfa_factor, one of: ${ids}.`, retry);
}
