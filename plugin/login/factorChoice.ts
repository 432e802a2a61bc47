import { MfaError } from '../errors.ts';
import type { LoginFactor } from './loginStep.ts';

/** What the caller wants of a factor: to answer it, or to start it (mail a code, ask the phone). */
export type FactorUse = 'answer' | 'send';

/** Where the caller is: a browser can run a ceremony; a client without one (an app, a script) only types or polls. */
export interface ChoiceContext {
  browser: boolean;
  /**
   * A request can come before the answer (the answer arrives in a later call). False where
   * the answer must come with the password in one call (the JSON API's session): a code
   * that is mailed on request cannot be there yet.
   */
  sentCodes: boolean;
}

/**
 * The factors a caller can use: by what each declares (capabilities), never by id, so a new
 * factor is offered at every door it fits. `usable`: set up, not locked, not passed yet.
 */
export function factorsFor(factors: readonly LoginFactor[], context: ChoiceContext): { usable: LoginFactor[]; locked: LoginFactor[] } {
  const fits = factors.filter((f) => f.configured && (context.browser || f.capabilities.worksWithoutBrowser) && (context.sentCodes || !f.capabilities.sendsChallenge));
  return { usable: fits.filter((f) => f.state !== 'locked' && f.state !== 'pass'), locked: fits.filter((f) => f.state === 'locked') };
}

/**
 * A factor whose answer the user holds without asking, on any client: nothing sent first,
 * not a backup, not an approval (an authenticator app). A bare code is taken for it.
 */
export function isHeldCode(factor: Pick<LoginFactor, 'capabilities' | 'prompt' | 'backup'>): boolean {
  const { capabilities } = factor;
  return capabilities.userSetupAllowed && capabilities.worksWithoutBrowser && !capabilities.sendsChallenge && !factor.backup && factor.prompt !== 'approval';
}

function fitsUse(factor: LoginFactor, use: FactorUse): boolean {
  return use === 'send' ? factor.capabilities.sendsChallenge : true;
}

/**
 * Which factor the caller means: the one asked for; without one, the only one that fits,
 * else (for an answer) the first, in the order factors are offered, that the user holds
 * without asking. Refused before anything is counted toward a lockout: FACTOR_LOCKED,
 * FACTOR_NOT_AVAILABLE, or FACTOR_REQUIRED when several fit and the caller must say which
 * (`details.factors`: the ids it may choose from).
 */
export function chooseFactor(factors: readonly LoginFactor[], requested: string | null | undefined, use: FactorUse, context: ChoiceContext): LoginFactor {
  const { usable: all, locked } = factorsFor(factors, context);
  const usable = all.filter((f) => fitsUse(f, use));
  const ids = usable.map((f) => f.id);
  if (requested) {
    // Asked for by name, a factor this login passed already is checked again (an answer posted twice is a replay, and counts).
    const chosen = usable.find((f) => f.id === requested) ?? factors.find((f) => f.id === requested && f.state === 'pass' && fitsUse(f, use));
    if (chosen) return chosen;
    const lockedOne = locked.find((f) => f.id === requested);
    if (lockedOne) {
      throw new MfaError('FACTOR_LOCKED', `${lockedOne.displayName} is locked after too many wrong tries.${ids.length ? ` Use another: ${ids.join(', ')}.` : ''}`, { triesLeft: 0, factors: ids, factor: lockedOne.id });
    }
    throw new MfaError('FACTOR_NOT_AVAILABLE', ids.length ? `Choose one of: ${ids.join(', ')}.` : 'This account has no way to verify here.', { field: 'factor', factors: ids });
  }
  const [only] = usable;
  if (only && usable.length === 1) return only;
  const held = use === 'answer' ? usable.find(isHeldCode) : undefined;
  if (held) return held;
  if (usable.length === 0) {
    if (locked.length > 0) throw new MfaError('FACTOR_LOCKED', 'Every way this account can verify here is locked after too many wrong tries. Ask an administrator to unlock it.', { triesLeft: 0, factors: [] });
    throw new MfaError('FACTOR_NOT_AVAILABLE', 'This account has no way to verify here.', { field: 'factor', factors: [] });
  }
  throw new MfaError('FACTOR_REQUIRED', `Say which way you verify: one of ${ids.join(', ')}.`, { field: 'factor', factors: ids });
}
