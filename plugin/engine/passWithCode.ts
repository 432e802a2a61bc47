import { MfaError } from '../errors.ts';
import type { Door, RequestFacts } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';
import type { FactorStanding } from './decideOutcome.ts';
import type { AttemptStatus, MfaEngine } from './mfaEngine.ts';

/**
 * Factors a client can answer in the same request as its password: a code it already
 * has. Not email (its code is mailed for one attempt, so it needs a second request),
 * not WebAuthn (it needs a browser).
 */
export const ONE_CALL_FACTORS = ['totp', 'recovery_codes'] as const;

export interface PassWithCodeOptions {
  engine: MfaEngine;
  user: HostUser;
  door: Door;
  facts: RequestFacts;
  /** The code that came with the password, if any. */
  code?: string | null;
  /** Which factor the code is for; by default the authenticator app when set up. */
  factor?: string | null;
  /** When this runs; the pass time recorded on what the door hands out. */
  now: number;
  /**
   * Checks the code for the attempt: the door's own way (the HTTP doors run the factor's
   * Passport strategy). @default engine.verify
   */
  verify?: (attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts) => Promise<AttemptStatus>;
}

export type PassWithCodeResult =
  /** The door may let the caller in. `mfaPassedAt` is null when MFA is not enforced at this door. */
  | { kind: 'passed'; mfaPassedAt: number | null }
  /** MFA is required and no (sufficient) code came: `codeFactors` are what the caller can use. */
  | { kind: 'code_required'; status: AttemptStatus; codeFactors: string[] };

/** The one-call factors this user can use now: set up, not locked. */
export function usableCodeFactors(factors: readonly FactorStanding[]): string[] {
  return factors.filter((f) => f.requiresInput && f.configured && f.state !== 'locked' && (ONE_CALL_FACTORS as readonly string[]).includes(f.id)).map((f) => f.id);
}

/**
 * One MFA attempt finished in a single request: for doors where the second factor
 * comes with the password (the JSON API's session and Basic auth). The attempt, the
 * lockout and the audit are the engine's, exactly as at the web door; a passed
 * attempt is spent here, so it opens one session and no more.
 */
export async function passWithCode(options: PassWithCodeOptions): Promise<PassWithCodeResult> {
  const { engine, user, door, facts } = options;
  const opened = await engine.openAttempt({ user, door, facts });
  if (opened.outcome === 'not_required') return { kind: 'passed', mfaPassedAt: null };
  let status: AttemptStatus = opened;
  if (status.outcome === 'pending' && options.code) {
    const verify = options.verify ?? ((...args: Parameters<MfaEngine['verify']>) => engine.verify(...args));
    status = await verify(status.attempt.id, chooseFactor(status, options.factor), { code: options.code }, facts);
  }
  switch (status.outcome) {
    case 'passed':
      if (!(await engine.consume(status.attempt.id))) throw new MfaError('ATTEMPT_EXPIRED', 'This login was already used. Log in again.');
      return { kind: 'passed', mfaPassedAt: options.now };
    case 'failed':
      throw new MfaError('ATTEMPT_FAILED', 'This login was refused. Contact your administrator.');
    case 'setup_required':
      throw new MfaError('SETUP_REQUIRED', 'This site requires a second factor, and this account has none yet. Log in on the website once and set one up under Security.');
    case 'locked':
      throw new MfaError('FACTOR_LOCKED', 'Every way this account can verify is locked after too many wrong tries. Ask an administrator to unlock it.', { triesLeft: 0 });
    default:
      await engine.cancel(status.attempt.id);
      return { kind: 'code_required', status, codeFactors: usableCodeFactors(status.factors) };
  }
}

function chooseFactor(status: AttemptStatus, requested: string | null | undefined): string {
  if (requested) return requested;
  const usable = usableCodeFactors(status.factors);
  if (usable.includes('totp')) return 'totp';
  if (usable.length === 1 && usable[0]) return usable[0];
  throw new MfaError('INVALID_INPUT', `Say which factor the code is from: one of ${usable.join(', ') || '(none set up)'}.`, { field: 'factor' });
}
