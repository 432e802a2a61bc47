import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { AttemptOutcome } from '../../plugin/engine/decideOutcome.ts';
import type { AttemptStatus } from '../../plugin/engine/mfaEngine.ts';
import type { Door } from '../../plugin/spi/factor.ts';
import { factorView } from '../../web/pages/mfa/factorView.ts';

/** One factor the attempt offers, as the platform shows it (bridge-protocol.md). */
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
 * The input factors the user has set up, by what each declares (capabilities, prompt),
 * never by id. The token door offers only those a client without a browser can use, as
 * the site's own token door does.
 */
export function bridgeFactors(plugin: MfaPlugin, status: AttemptStatus, door: Door): BridgeFactor[] {
  const factors: BridgeFactor[] = [];
  for (const standing of status.factors) {
    const factory = plugin.registry.all().find((f) => f.id === standing.id);
    if (!factory || !standing.requiresInput || !standing.configured) continue;
    if (door === 'token' && !factory.capabilities.worksWithoutBrowser) continue;
    const kind = factory.presentation?.prompt?.kind;
    factors.push({
      id: factory.id,
      name: factorView(factory).name,
      input: kind ?? (factory.capabilities.worksWithoutBrowser ? 'code' : 'browser'),
      sendsChallenge: factory.capabilities.sendsChallenge,
      locked: standing.state === 'locked',
      triesLeft: standing.triesLeft,
    });
  }
  return factors;
}

/** The answer for an attempt as it stands. */
export function attemptAnswer(plugin: MfaPlugin, status: AttemptStatus, handle: string): AttemptAnswer {
  const factors = status.outcome === 'passed' ? [] : bridgeFactors(plugin, status, status.attempt.door);
  // Every factor this door can use is locked, though another door's might not be: locked here.
  const outcome = status.outcome === 'pending' && factors.length > 0 && factors.every((f) => f.locked) ? 'locked' : status.outcome;
  return { attempt: handle, outcome, factors, lockedUntil: null };
}

/** An attempt that has passed (and waits to be consumed): nothing more to offer. */
export function passedAnswer(handle: string): AttemptAnswer {
  return { attempt: handle, outcome: 'passed', factors: [], lockedUntil: null };
}

export function notRequiredAnswer(): AttemptAnswer {
  return { attempt: null, outcome: 'not_required', factors: [], lockedUntil: null };
}
