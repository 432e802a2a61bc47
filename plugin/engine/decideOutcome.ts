import type { FactorCapabilities, FactorProviderFactory, FactorState } from '../spi/factor.ts';

/** Where a login stands on the way through MFA. */
export type AttemptOutcome = 'passed' | 'pending' | 'failed' | 'setup_required' | 'locked';

export interface FactorStanding {
  id: string;
  displayName: string;
  /** Keycloak's reference category (otp, email, webauthn, recovery, no-input): what kind of answer the factor takes. */
  referenceCategory: FactorProviderFactory['referenceCategory'];
  requiresInput: boolean;
  /** What the factor can do: the doors choose by these, never by id. */
  capabilities: FactorCapabilities;
  /** Input factors: the user has a device set up. */
  configured: boolean;
  state: FactorState;
  weight: number;
  /** Input factors: tries left before the factor locks. */
  triesLeft: number | null;
}

/** Moodle tool_mfa: MFA passes when the weights of passed factors reach 100. */
export const PASS_POINTS = 100;

/**
 * Moodle tool_mfa's policy, as a pure function: a failed factor fails the login; the
 * weights of passed factors reaching 100 pass it; a user with nothing set up passes
 * ("no setup") unless setup is required; with every usable factor locked, the login is stuck.
 */
export function decideOutcome(factors: readonly FactorStanding[], requireSetup: boolean): { outcome: AttemptOutcome; points: number } {
  const points = factors.filter((f) => f.state === 'pass').reduce((sum, f) => sum + f.weight, 0);
  if (factors.some((f) => f.state === 'fail')) return { outcome: 'failed', points };
  if (points >= PASS_POINTS) return { outcome: 'passed', points };
  const usable = factors.filter((f) => f.requiresInput && f.configured);
  if (usable.length === 0) return { outcome: requireSetup ? 'setup_required' : 'passed', points };
  if (usable.every((f) => f.state === 'locked')) return { outcome: 'locked', points };
  return { outcome: 'pending', points };
}
