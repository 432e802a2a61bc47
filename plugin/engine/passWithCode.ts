import { MfaError } from '../errors.ts';
import type { Door, RequestFacts } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';
import { chooseCodeFactor, codeFactors } from './codeFactors.ts';
import type { AttemptStatus, MfaEngine } from './mfaEngine.ts';
import { loginPassTime } from './recentMfaPass.ts';

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

/**
 * One MFA attempt finished in a single request: for doors where the second factor
 * comes with the password (the JSON API's session and Basic auth). The attempt, the
 * lockout and the audit are the engine's, exactly as at the web door; a passed
 * attempt is spent here, so it opens one session and no more.
 */
export async function passWithCode(options: PassWithCodeOptions): Promise<PassWithCodeResult> {
  const { engine, user, door, facts } = options;
  const opened = await engine.openAttempt({ user, door, facts });
  if (opened.outcome === 'not_required') return { kind: 'passed', mfaPassedAt: loginPassTime({ mfaChecked: false, now: options.now }) };
  let status: AttemptStatus = opened;
  if (status.outcome === 'pending' && options.code) {
    const verify = options.verify ?? ((...args: Parameters<MfaEngine['verify']>) => engine.verify(...args));
    status = await verify(status.attempt.id, factorForCode(status, options.factor), { code: options.code }, facts);
  }
  switch (status.outcome) {
    case 'passed':
      if (!(await engine.consume(status.attempt.id))) throw new MfaError('ATTEMPT_EXPIRED', 'This login was already used. Log in again.');
      return { kind: 'passed', mfaPassedAt: loginPassTime({ mfaChecked: true, now: options.now }) };
    case 'failed':
      throw new MfaError('ATTEMPT_FAILED', 'This login was refused. Contact your administrator.');
    case 'setup_required':
      throw new MfaError('SETUP_REQUIRED', 'This site requires a second factor, and this account has none yet. Log in on the website once and set one up under Security.');
    case 'locked':
      throw new MfaError('FACTOR_LOCKED', 'Every way this account can verify is locked after too many wrong tries. Ask an administrator to unlock it.', { triesLeft: 0 });
    default:
      await engine.cancel(status.attempt.id);
      return { kind: 'code_required', status, codeFactors: oneCallFactors(status).usable.map((f) => f.id) };
  }
}

/** What a client can answer in the same request as its password: a code it already has (not a mailed one). */
function oneCallFactors(status: AttemptStatus) {
  return codeFactors(status.factors, { sentCodes: false });
}

function factorForCode(status: AttemptStatus, requested: string | null | undefined): string {
  const factors = oneCallFactors(status);
  const choice = chooseCodeFactor(factors, requested);
  if ('factorId' in choice) return choice.factorId;
  const ids = factors.usable.map((f) => f.id).join(', ');
  switch (choice.refused) {
    case 'locked':
      throw new MfaError('FACTOR_LOCKED', `${choice.factor.displayName} is locked after too many wrong tries.${ids ? ` Use another: ${ids}.` : ''}`, { triesLeft: 0 });
    case 'all_locked':
      throw new MfaError('FACTOR_LOCKED', 'Every way this account can verify with a code is locked after too many wrong tries. Ask an administrator to unlock it.', { triesLeft: 0 });
    case 'unavailable':
      throw new MfaError('FACTOR_NOT_AVAILABLE', ids ? `factor must be one of: ${ids}.` : 'This account has no code to verify with here.', { field: 'factor' });
    case 'ambiguous':
      throw new MfaError('INVALID_INPUT', `Say which factor the code is from: one of ${ids}.`, { field: 'factor' });
  }
}
