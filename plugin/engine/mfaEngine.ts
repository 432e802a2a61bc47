import type { AuditLog } from '../audit/auditLog.ts';
import { hashToken, randomToken } from '../crypto/tokens.ts';
import { isMfaError, MfaError } from '../errors.ts';
import { describeBrowser } from '../net/describeBrowser.ts';
import type { SettingsSnapshot, SettingsStore } from '../settings/settingsStore.ts';
import type { AnyFactorProviderFactory, Door, FactorInput, FactorLanding, FactorProviderFactory, FactorState, RequestFacts } from '../spi/factor.ts';
import type { Host, HostUser } from '../spi/host.ts';
import type { SealedFactorSecrets } from '../store/factorStorage/sealedFactorSecrets.ts';
import { AttemptStore, type StoredAttempt } from './attemptStore.ts';
import { type AttemptOutcome, decideOutcome, type FactorStanding } from './decideOutcome.ts';
import type { FactorRegistry } from './factorRegistry.ts';
import { findHostUser } from './findHostUser.ts';
import { FailureCounter } from './failureCounter.ts';
import { mfaEnforcedAt, type TokenDoorPolicy } from './tokenDoorPolicy.ts';

export interface AttemptStatus {
  attempt: StoredAttempt;
  user: HostUser;
  outcome: AttemptOutcome;
  points: number;
  /** Every enabled factor, as it stands for this user and attempt. */
  factors: FactorStanding[];
}

export interface OpenAttemptOptions {
  user: HostUser;
  door: Door;
  facts: RequestFacts;
  /** The external service asked for (token door). */
  service?: string | null;
  /** Make an opaque handle for a door that cannot keep the attempt id in a session (the token door's mfa_token). */
  withHandle?: boolean;
  /** At the token door, whether MFA is asked always or as the site's mobile-app toggle says (default: the site's, for its own app). */
  tokenDoorPolicy?: TokenDoorPolicy;
}

export type OpenAttemptResult = { outcome: 'not_required' } | (AttemptStatus & { handle: string | null });

export interface MfaEngineDependencies {
  host: Host;
  settings: SettingsStore;
  audit: AuditLog;
  registry: FactorRegistry;
  attempts: AttemptStore;
  failures: FailureCounter;
  /** Moves a device's secret to the current key when it is used (after a key rotation). */
  sealedSecrets?: SealedFactorSecrets;
  now: () => number;
}

/**
 * The one MFA attempt behind every door (DESIGN.md). Doors open an attempt after the
 * password, show what `status` says, pass the user's input to `verify`, and let the
 * user through only when the outcome is `passed`. Every rule lives here, once.
 */
export class MfaEngine {
  constructor(private readonly deps: MfaEngineDependencies) {}

  /**
   * Whether this door demands MFA now: the plugin is on, and for a token door its caller's
   * policy (tokenDoorPolicy.ts) says so; the site's own app door follows the mobile-app toggle.
   */
  enforcedAt(door: Door, settings: SettingsSnapshot, tokenDoorPolicy: TokenDoorPolicy = 'follow-site'): boolean {
    return mfaEnforcedAt(door, settings, tokenDoorPolicy);
  }

  async openAttempt(options: OpenAttemptOptions): Promise<OpenAttemptResult> {
    const settings = await this.deps.settings.snapshot();
    if (!this.enforcedAt(options.door, settings, options.tokenDoorPolicy)) return { outcome: 'not_required' };
    const now = this.deps.now();
    const attempt: StoredAttempt = {
      id: randomToken(24),
      userId: options.user.id,
      door: options.door,
      status: 'pending',
      createdAt: now,
      expiresAt: now + settings.integer('attempt_ttl_minutes') * 60_000,
      finishedAt: null,
      ip: options.facts.ip,
      userAgent: options.facts.userAgent,
      service: options.service ?? null,
    };
    const handle = options.withHandle ? randomToken(32) : null;
    await this.deps.attempts.insert(attempt, handle ? hashToken(handle) : null);
    await this.deps.audit.record({ event: 'attempt_opened', userId: attempt.userId, door: attempt.door, ip: attempt.ip });
    return { ...(await this.evaluate(attempt, options.user, settings, options.facts)), handle };
  }

  /**
   * Where a pending attempt stands now; no-input factors (trusted device, network) are
   * asked again. An attempt that passed already is not shown to anyone: it belongs to the
   * request that passed it, and a second request finding it (a copied cookie polling
   * /mfa) gets ATTEMPT_EXPIRED, never a session of its own.
   */
  async status(attemptId: string, facts: RequestFacts): Promise<AttemptStatus> {
    const { attempt, user } = await this.load(attemptId, ['pending']);
    return this.evaluate(attempt, user, await this.deps.settings.snapshot(), facts);
  }

  /** An attempt by id, in any status, or ATTEMPT_EXPIRED. */
  async findById(attemptId: string): Promise<StoredAttempt> {
    const attempt = await this.deps.attempts.find(attemptId);
    if (!attempt) throw expired();
    return attempt;
  }

  /** The attempt's user, or ATTEMPT_FAILED when the account is gone or suspended. */
  async userOf(attempt: StoredAttempt): Promise<HostUser> {
    const user = await findHostUser(this.deps.host, attempt.userId);
    if (!user || user.suspended) throw new MfaError('ATTEMPT_FAILED', 'This account cannot log in. Contact your administrator.');
    return user;
  }

  /** The attempt behind a token door handle (mfa_token), or ATTEMPT_EXPIRED. */
  async findByHandle(handle: string): Promise<StoredAttempt> {
    const attempt = await this.deps.attempts.findByHandleHash(hashToken(handle));
    if (!attempt) throw expired();
    return attempt;
  }

  /**
   * Asks a factor to prepare what the user will answer (send an email code, make WebAuthn
   * options). Given the factor's factory, the answer has its type; given an id, it is a plain record.
   *
   * @example
   * const sent = await mfa.engine.challenge(attemptId, emailFactor); // EmailCodeSent
   */
  challenge<TChallenge extends object>(attemptId: string, factor: FactorProviderFactory<object, TChallenge, never>, input?: FactorInput): Promise<TChallenge>;
  challenge(attemptId: string, factorId: string, input?: FactorInput): Promise<Record<string, unknown>>;
  async challenge(attemptId: string, factor: string | AnyFactorProviderFactory, input: FactorInput = {}): Promise<object> {
    const factorId = typeof factor === 'string' ? factor : factor.id;
    const { attempt, user } = await this.load(attemptId, ['pending']);
    const settings = await this.deps.settings.snapshot();
    const factory = this.deps.registry.enabledFactory(factorId, settings);
    const provider = this.deps.registry.provider(factory, settings);
    if (!provider.challenge || !(await provider.configuredFor(user))) {
      throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not set up for your account.');
    }
    // A locked factor sends nothing: no mail to someone who has stopped guessing on purpose.
    if ((await this.deps.failures.failures(user.id, factorId)) >= settings.integer('lockout_threshold')) throw locked(factory.displayName);
    return provider.challenge(attempt, user, input);
  }

  /**
   * Checks the user's input for one factor. A wrong input counts toward the lockout (and
   * says how many tries are left); a locked factor is not checked at all. Given the
   * factor's factory, `input` has the factor's type; given an id, any fields (a door's body).
   *
   * @example
   * await mfa.engine.verify(attemptId, totpFactor, { code: '123456' }, facts);
   */
  verify<TInput extends FactorInput>(attemptId: string, factor: FactorProviderFactory<object, object, TInput>, input: TInput, facts: RequestFacts): Promise<AttemptStatus>;
  verify(attemptId: string, factorId: string, input: FactorInput, facts: RequestFacts): Promise<AttemptStatus>;
  async verify(attemptId: string, factor: string | AnyFactorProviderFactory, input: FactorInput, facts: RequestFacts): Promise<AttemptStatus> {
    const factorId = typeof factor === 'string' ? factor : factor.id;
    const { attempt, user } = await this.load(attemptId, ['pending']);
    const settings = await this.deps.settings.snapshot();
    const factory = this.deps.registry.enabledFactory(factorId, settings);
    const provider = this.deps.registry.provider(factory, settings);
    if (!factory.requiresInput || !provider.verify || !(await provider.configuredFor(user))) {
      throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not set up for your account.');
    }
    const threshold = settings.integer('lockout_threshold');
    const reservation = await this.deps.failures.reserveTry(user.id, factorId, threshold);
    if (!reservation.allowed) {
      await this.deps.attempts.setFactorState(attempt.id, factorId, 'locked', this.deps.now());
      throw locked(factory.displayName);
    }
    let outcome: Awaited<ReturnType<NonNullable<typeof provider.verify>>>;
    try {
      outcome = await provider.verify(attempt, user, input);
    } catch (error) {
      // Input that is no guess at all (an empty field) gives its try back; any other
      // failure keeps it counted, so an error cannot be used to guess for free.
      if (isMfaError(error, 'INVALID_INPUT')) await this.deps.failures.giveBack(user.id, factorId);
      throw error;
    }
    const now = this.deps.now();
    if (outcome.verified) {
      await this.deps.failures.giveBack(user.id, factorId);
      // Re-encrypt on use: a secret still under an old key (MFA_OLD_SECRET_KEYS) moves to the current one.
      if (outcome.deviceId !== undefined) await this.deps.sealedSecrets?.resealRecord(outcome.deviceId, user.id);
      return this.evaluate(attempt, user, settings, facts, factorId);
    }
    const triesLeft = Math.max(0, threshold - reservation.failures);
    await this.deps.audit.record({
      event: 'factor_failed',
      userId: user.id,
      factor: factorId,
      door: attempt.door,
      ip: facts.ip,
      detail: { reason: outcome.reason, triesLeft },
    });
    if (triesLeft === 0) {
      await this.deps.attempts.setFactorState(attempt.id, factorId, 'locked', now);
      await this.deps.audit.record({ event: 'factor_locked', userId: user.id, factor: factorId, door: attempt.door, ip: facts.ip });
      throw locked(factory.displayName);
    }
    const base = outcome.message ?? 'That code is not right.';
    throw new MfaError('INVALID_CODE', `${base} ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left.`, { triesLeft, reason: outcome.reason });
  }

  /**
   * Where a login that just passed with `factorId` should land, when the factor says
   * (recovery codes: the security page, with how many codes are left); null: where the
   * user was going. Doors call it after a pass, never before.
   */
  async landingAfterPass(factorId: string, userId: string): Promise<FactorLanding | null> {
    const settings = await this.deps.settings.snapshot();
    const provider = this.deps.registry.provider(this.deps.registry.factory(factorId), settings);
    if (!provider.landingAfterPass) return null;
    const user = await findHostUser(this.deps.host, userId);
    return user ? provider.landingAfterPass(user) : null;
  }

  /** A factor set up during the attempt (require_setup) proved possession: it passes for this attempt. */
  async passBySetup(attemptId: string, factorId: string, facts: RequestFacts): Promise<AttemptStatus> {
    const { attempt, user } = await this.load(attemptId, ['pending']);
    return this.evaluate(attempt, user, await this.deps.settings.snapshot(), facts, factorId);
  }

  /** Spends a passed attempt, once: a door that hands out a token or session calls this first. */
  async consume(attemptId: string): Promise<boolean> {
    return this.deps.attempts.transition(attemptId, 'passed', 'consumed', this.deps.now());
  }

  async cancel(attemptId: string): Promise<boolean> {
    return this.deps.attempts.transition(attemptId, 'pending', 'cancelled', this.deps.now());
  }


  private async load(attemptId: string, allowed: StoredAttempt['status'][]): Promise<{ attempt: StoredAttempt; user: HostUser }> {
    const attempt = await this.deps.attempts.find(attemptId);
    if (!attempt) throw expired();
    if (attempt.status === 'pending' && attempt.expiresAt <= this.deps.now()) throw expired();
    if (!allowed.includes(attempt.status)) {
      throw attempt.status === 'failed'
        ? new MfaError('ATTEMPT_FAILED', 'This login was refused. Log in again, or contact your administrator.')
        : expired();
    }
    return { attempt, user: await this.userOf(attempt) };
  }

  /**
   * Scores the attempt and, when it passes, moves it from pending to passed. `justPassed`
   * is the input factor this request just verified: its pass is stored only after the
   * move, so no other request (a copied cookie calling `status`) can see that pass first
   * and pass the attempt itself. Of two requests that both score a pass, only the one
   * that makes the move hears `passed`; the other gets ATTEMPT_EXPIRED.
   */
  private async evaluate(attempt: StoredAttempt, user: HostUser, settings: SettingsSnapshot, facts: RequestFacts, justPassed?: string): Promise<AttemptStatus> {
    const threshold = settings.integer('lockout_threshold');
    const stored = await this.deps.attempts.factorStates(attempt.id);
    const failures = await this.deps.failures.all(user.id);
    const factors: FactorStanding[] = [];
    // In the order they are offered: phishing-resistant first (the doors list them so).
    for (const factory of this.deps.registry.offered(settings)) {
      const provider = this.deps.registry.provider(factory, settings);
      const weight = settings.integer(`factor.${factory.id}.weight`);
      if (!factory.requiresInput) {
        const state = attempt.status === 'passed' ? (stored.get(factory.id) ?? 'neutral') : await provider.state(attempt, facts);
        if (state === 'pass' && stored.get(factory.id) !== 'pass') await this.deps.attempts.setFactorState(attempt.id, factory.id, 'pass', this.deps.now());
        factors.push({ ...standingOf(factory), requiresInput: false, configured: false, state, weight, triesLeft: null });
        continue;
      }
      const failed = failures.get(factory.id) ?? 0;
      const state: FactorState = stored.get(factory.id) === 'pass' || factory.id === justPassed ? 'pass' : failed >= threshold ? 'locked' : 'unknown';
      const configured = await provider.configuredFor(user);
      factors.push({ ...standingOf(factory), requiresInput: true, configured, state, weight, triesLeft: Math.max(0, threshold - failed) });
    }
    const { outcome, points } = decideOutcome(factors, settings.boolean('require_setup'));
    const status: AttemptStatus = { attempt, user, outcome, points, factors };
    if (attempt.status !== 'pending') return status;
    const now = this.deps.now();
    const storeJustPassed = async () => {
      if (justPassed) await this.deps.attempts.setFactorState(attempt.id, justPassed, 'pass', now);
    };
    if (outcome === 'passed') {
      if (!(await this.deps.attempts.transition(attempt.id, 'pending', 'passed', now))) throw expired();
      await storeJustPassed();
      attempt.status = 'passed';
      attempt.finishedAt = now;
      // Passing MFA another way lifts any lock (Moodle tool_mfa's rule).
      await this.deps.failures.clearAll(user.id);
      const passedWith = factors.filter((f) => f.state === 'pass').map((f) => f.id);
      // The browser's family (never the full User-Agent) lets the user's activity and the "new sign-in" mail say which browser it was.
      await this.deps.audit.record({
        event: 'mfa_passed',
        userId: user.id,
        door: attempt.door,
        ip: facts.ip,
        detail: { factors: passedWith, points, ...(facts.userAgent ? { browser: describeBrowser(facts.userAgent) } : {}) },
      });
      return status;
    }
    await storeJustPassed();
    if (outcome === 'failed' && (await this.deps.attempts.transition(attempt.id, 'pending', 'failed', now))) {
      attempt.status = 'failed';
      await this.deps.audit.record({ event: 'mfa_failed', userId: user.id, door: attempt.door, ip: facts.ip });
    }
    return status;
  }
}

function standingOf(factory: AnyFactorProviderFactory): Pick<FactorStanding, 'id' | 'displayName' | 'referenceCategory' | 'capabilities'> {
  return { id: factory.id, displayName: factory.displayName, referenceCategory: factory.referenceCategory, capabilities: factory.capabilities };
}

function expired(): MfaError {
  return new MfaError('ATTEMPT_EXPIRED', 'Your login has expired or was already used. Log in again with your password.');
}

function locked(displayName: string): MfaError {
  return new MfaError(
    'FACTOR_LOCKED',
    `${displayName} is locked after too many wrong tries. Use another way to verify, or ask an administrator to unlock it.`,
    { triesLeft: 0 },
  );
}
