import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { FactorStanding } from '../../../plugin/engine/decideOutcome.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import type { FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import { factoryById, isApprovalFactor, isHeldCodeFactor } from './factorViews.ts';
import { refusal, type RetryFields, type TokenDoorRefusal } from './tokenDoorErrors.ts';

/** The factors of an attempt a client without a browser can use: a typed code, or an approval it polls for. */
export interface AppFactors {
  /** Set up, enabled, not locked, not already passed: what the caller can answer now. */
  usable: FactorStanding[];
  /** Set up, but locked: a reason to say "locked" rather than "not available". */
  locked: FactorStanding[];
}

/**
 * By what each factor declares (capabilities.worksWithoutBrowser), never by id: a new
 * factor that works without a browser is offered here without touching this door.
 */
export function appFactors(plugin: MfaPlugin, status: AttemptStatus): AppFactors {
  const fits = status.factors.filter((f) => f.requiresInput && f.configured && factoryById(plugin, f.id)?.capabilities.worksWithoutBrowser);
  return { usable: fits.filter((f) => f.state !== 'locked' && f.state !== 'pass'), locked: fits.filter((f) => f.state === 'locked') };
}

/** What the caller wants of the factor: to answer it with a code, or to start it (mfa_send: mail a code, ask the phone). */
export type FactorUse = 'code' | 'send';

function fitsUse(factory: FactorProviderFactory | undefined, use: FactorUse): boolean {
  if (!factory) return false;
  return use === 'send' ? factory.capabilities.sendsChallenge : !isApprovalFactor(factory);
}

/**
 * Which factor the caller means: the one asked for; without one, the only one that fits,
 * else the first in the site's order that the user holds without asking (no challenge
 * first, not a backup such as recovery codes: what a user with an authenticator app types).
 * Refused, in Moodle's words, before anything is counted toward the lockout.
 */
export function chooseFactor(plugin: MfaPlugin, factors: AppFactors, requested: string | undefined, use: FactorUse, retry: RetryFields): { factorId: string } | TokenDoorRefusal {
  const usable = factors.usable.filter((f) => fitsUse(factoryById(plugin, f.id), use));
  const ids = usable.map((f) => f.id).join(', ');
  if (requested) {
    if (usable.some((f) => f.id === requested)) return { factorId: requested };
    const locked = factors.locked.find((f) => f.id === requested);
    if (locked) return refusal('mfalocked', `${locked.displayName} is locked after too many wrong tries.${ids ? ` Use another: ${ids}.` : ''}`, usable.length ? retry : {});
    return refusal('mfafactorunavailable', ids ? `mfa_factor must be one of: ${ids}.` : 'No way of verifying works from the app for this account.', retry);
  }
  const [only] = usable;
  if (only && usable.length === 1) return { factorId: only.id };
  const held = usable.find((f) => {
    const factory = factoryById(plugin, f.id);
    return factory !== undefined && isHeldCodeFactor(factory);
  });
  if (use === 'code' && held) return { factorId: held.id };
  if (use === 'send' && only) return { factorId: only.id };
  if (usable.length === 0) {
    return factors.locked.length > 0
      ? refusal('mfalocked', 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.')
      : refusal('mfafactorunavailable', 'No way of verifying works from the app for this account.', retry);
  }
  return refusal('mfafactorrequired', `Say which way you verify: send mfa_factor, one of: ${ids}.`, retry);
}
