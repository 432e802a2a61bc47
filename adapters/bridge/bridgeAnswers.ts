import { MfaError } from '../../plugin/errors.ts';
import type { AttemptOutcome } from '../../plugin/engine/decideOutcome.ts';
import type { LoginFactor, LoginStep } from '../../plugin/login/loginStep.ts';
import type { AnyFactorProviderFactory, Door } from '../../plugin/spi/factor.ts';
import { factorView } from '../../web/pages/mfa/factorView.ts';

/** One factor the attempt offers, as the platform shows it (docs/bridge-protocol.md). */
export interface BridgeFactor {
  id: string;
  name: string;
  /** How the user answers: types a code, runs a browser ceremony, or approves elsewhere. */
  input: 'code' | 'browser' | 'approval';
  sendsChallenge: boolean;
  locked: boolean;
  triesLeft: number | null;
}

export type BridgeOutcome = AttemptOutcome | 'not_required';

export interface AttemptAnswer {
  attempt: string | null;
  outcome: BridgeOutcome;
  factors: BridgeFactor[];
  /** Locks last until an admin unlocks or the user passes another way: no time is known, so null. */
  lockedUntil: number | null;
  error?: { code: string; message: string; triesLeft?: number; reason?: string };
}

/**
 * The factors a waiting login offers, by what each declares (capabilities, prompt), never by
 * id. The token door offers only those a client without a browser can use, as the site's
 * own token door does.
 */
function bridgeFactors(factors: readonly LoginFactor[], door: Door, factory: (id: string) => AnyFactorProviderFactory): BridgeFactor[] {
  return factors
    .filter((f) => door !== 'token' || f.capabilities.worksWithoutBrowser)
    .map((f) => ({
      id: f.id,
      name: factorView(factory(f.id)).name,
      input: f.prompt ?? (f.capabilities.worksWithoutBrowser ? 'code' : 'browser'),
      sendsChallenge: f.capabilities.sendsChallenge,
      locked: f.state === 'locked',
      triesLeft: f.triesLeft,
    }));
}

/**
 * A login's step as the bridge answers it. A login that is gone is no answer but an error:
 * 404 for a handle that is not this platform's (or none at all), 410 for one that expired or
 * was spent (docs/bridge-protocol.md).
 */
export function stepAnswer(step: LoginStep, factory: (id: string) => AnyFactorProviderFactory): AttemptAnswer {
  switch (step.kind) {
    case 'not_required':
      return { attempt: null, outcome: 'not_required', factors: [], lockedUntil: null };
    case 'passed':
      return { attempt: step.login.handle, outcome: 'passed', factors: [], lockedUntil: null };
    case 'ended':
      if (step.reason === 'unknown') throw new MfaError('NOT_FOUND', 'No attempt has that handle (or it is another platform\'s): open one with POST /bridge/v1/attempts.');
      if (step.reason === 'expired') throw new MfaError('ATTEMPT_EXPIRED', step.error.message);
      return { attempt: null, outcome: 'failed', factors: [], lockedUntil: null };
    case 'setup_required':
      return { attempt: step.login.handle, outcome: 'setup_required', factors: [], lockedUntil: null };
    case 'locked':
    case 'pending': {
      const factors = bridgeFactors(step.factors, step.login.door, factory);
      // Every factor this door can use is locked, though another door's might not be: locked here.
      const locked = step.kind === 'locked' || (factors.length > 0 && factors.every((f) => f.locked));
      const error = step.error && { code: step.error.code, message: step.error.message, ...triesAndReason(step.error.details) };
      return { attempt: step.login.handle, outcome: locked ? 'locked' : 'pending', factors, lockedUntil: null, ...(error ? { error } : {}) };
    }
  }
}

function triesAndReason(details: Readonly<Record<string, unknown>>): { triesLeft?: number; reason?: string } {
  return { ...(typeof details.triesLeft === 'number' ? { triesLeft: details.triesLeft } : {}), ...(typeof details.reason === 'string' ? { reason: details.reason } : {}) };
}
