import type { StoredAttempt } from '../engine/attemptStore.ts';
import type { FactorRegistry } from '../engine/factorRegistry.ts';
import type { AttemptStatus, MfaEngine } from '../engine/mfaEngine.ts';
import { isMfaError, MfaError } from '../errors.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { RequestFacts } from '../spi/factor.ts';
import { withOperationScope } from '../store/operationScope.ts';
import { chooseFactor, type ChoiceContext } from './factorChoice.ts';
import { loginFactors, passOffers, setupChoices } from './loginFactors.ts';
import { loginRef, mayContinue, storedService } from './loginOwner.ts';
import type { AnswerOptions, ChallengeSent, ClientCredential, LoginAnswer, LoginKey, LoginRef, LoginStep, StartLoginOptions } from './loginStep.ts';

export interface MfaLoginDependencies {
  engine: MfaEngine;
  registry: FactorRegistry;
  settings: SettingsStore;
  now: () => number;
}

/** Errors that are an answer about the login ("not that code", "locked"), not a failed call: the step carries them. */
const PLAIN_NO = new Set(['INVALID_CODE', 'INVALID_INPUT', 'FACTOR_LOCKED', 'FACTOR_NOT_AVAILABLE', 'FACTOR_REQUIRED', 'RATE_LIMITED', 'DELIVERY_FAILED']);

interface Found {
  attempt: StoredAttempt;
  ref: LoginRef;
}

interface Finish {
  spend: boolean;
  /** The input factor this call passed, for its landing. */
  passedBy?: string;
  accept: readonly string[];
  forPage: boolean;
  facts: RequestFacts;
}

const spentLogin = () => new MfaError('ATTEMPT_EXPIRED', 'Your login has expired or was already used. Log in again with your password.');
const unknownLogin = () => new MfaError('NOT_FOUND', 'No login has that handle here (or it is another door’s). Start a new one.');

/** What a step knows of the request when its door has none of its own (a platform calling later): the login's own, from its start. */
const factsOf = (attempt: StoredAttempt, facts: RequestFacts | undefined): RequestFacts => facts ?? { ip: attempt.ip, userAgent: attempt.userAgent };

/**
 * The login protocol: one call per user step, the same for every door and every host
 * (DESIGN.md, "one engine call per step"). A door translates HTTP into these calls and the
 * `LoginStep` they answer into its own transport; every rule (which factor a bare code is
 * for, waiting for an approval, "deny", spending a pass once, where to land, trusting a
 * device) is decided here, once.
 *
 * @example
 * const step = await mfa.login.start({ user, door: 'web', facts });
 * // ... the user types a code
 * const next = await mfa.login.answer({ attemptId }, { factor: 'totp', input: { code } }, facts);
 * if (next.kind === 'passed') logIn(next.user, next.passedAt);
 */
export class MfaLogin {
  constructor(private readonly deps: MfaLoginDependencies) {}

  /**
   * After a right password: opens the login at a door. A user who passes without input (a
   * trusted device, an allowed network), or with the answer given alongside, passes here.
   */
  start(options: StartLoginOptions): Promise<LoginStep> {
    return withOperationScope(async () => {
      const { user, door, facts } = options;
      const opened = await this.deps.engine.openAttempt({ user, door, facts, service: storedService(options.service), withHandle: options.handle ?? false, tokenDoorPolicy: options.tokenDoorPolicy });
      if (opened.outcome === 'not_required') return { kind: 'not_required' as const, user };
      const found = { attempt: opened.attempt, ref: loginRef(opened.attempt, opened.handle) };
      const finish: Finish = { spend: options.spend ?? true, accept: [], forPage: false, facts };
      if (options.answer && opened.outcome === 'pending') return this.answerFound(found, opened, options.answer, finish);
      return this.stepOf(found, opened, finish);
    });
  }

  /** Where the login stands now (the page a user reloads, an app asking again). A login that now passes without input passes for this caller. */
  status(key: LoginKey, requestFacts?: RequestFacts, options: Pick<AnswerOptions, 'spend'> = {}): Promise<LoginStep> {
    return withOperationScope(() =>
      this.ended(async () => {
        const found = await this.find(key);
        if (found.attempt.status === 'passed' && options.spend === false) return this.passedUnspent(found);
        const facts = factsOf(found.attempt, requestFacts);
        const status = await this.deps.engine.status(found.attempt.id, facts);
        return this.stepOf(found, status, { spend: options.spend ?? true, accept: [], forPage: false, facts });
      }),
    );
  }

  /**
   * The user's answer to a factor. Without `factor`, the engine picks: for a code, the one
   * factor that fits or the authenticator app; for no input at all, an approval asked for
   * on another device (still waiting: `pending` with APPROVAL_PENDING; denied: `ended`).
   */
  answer(key: LoginKey, answer: LoginAnswer, requestFacts?: RequestFacts, options: AnswerOptions = {}): Promise<LoginStep> {
    return withOperationScope(() =>
      this.ended(async () => {
        const found = await this.find(key);
        const facts = factsOf(found.attempt, requestFacts);
        const status = await this.deps.engine.status(found.attempt.id, facts);
        const finish: Finish = { spend: options.spend ?? true, accept: options.accept ?? [], forPage: options.forPage ?? false, facts };
        if (status.outcome !== 'pending') return this.stepOf(found, status, finish);
        return this.answerFound(found, status, answer, finish);
      }),
    );
  }

  /** Asks a factor to prepare what the user answers: mails a code, asks the phone, makes WebAuthn options. */
  challenge(key: LoginKey, factor: string | null | undefined, requestFacts?: RequestFacts): Promise<ChallengeSent> {
    return withOperationScope(async () => {
      const found = await this.find(key);
      const status = await this.deps.engine.status(found.attempt.id, factsOf(found.attempt, requestFacts));
      const chosen = chooseFactor(loginFactors(this.deps.registry, status), factor, 'send', choiceContext(found.attempt));
      const result = await this.deps.engine.challenge(found.attempt.id, chosen.id);
      const factory = this.deps.registry.factory(chosen.id);
      const at = (value: unknown) => (typeof value === 'number' ? value : null);
      return { login: found.ref, factor: chosen.id, result, view: factory.presentation?.presentChallenge?.(result) ?? {}, expiresAt: at(result.expiresAt), resendAvailableAt: at(result.resendAvailableAt) };
    });
  }

  /**
   * Where an approval asked for on another device stands, for a page that waits on it:
   * nothing is counted or spent (the page then answers with `answer`, which spends it).
   * `expired` / `refused`: the login is gone.
   */
  approvalState(key: LoginKey, factor: string, facts: RequestFacts): Promise<'waiting' | 'approved' | 'denied' | 'expired' | 'refused'> {
    return withOperationScope(async () => {
      try {
        const found = await this.find(key);
        const status = await this.deps.engine.status(found.attempt.id, facts);
        const chosen = loginFactors(this.deps.registry, status).find((f) => f.id === factor && f.prompt === 'approval');
        if (!chosen) throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not approved on another device.');
        return await this.approval(status, chosen.id, facts);
      } catch (error) {
        if (isMfaError(error, 'ATTEMPT_EXPIRED')) return 'expired';
        if (isMfaError(error, 'ATTEMPT_FAILED')) return 'refused';
        throw error;
      }
    });
  }

  /**
   * Spends a passed login kept for its caller (`spend: false`: the bridge's consume).
   * `spent` is true for the one call that spends it; NOT_FOUND for an unknown handle.
   */
  finish(key: LoginKey): Promise<{ spent: boolean; login: LoginRef }> {
    return withOperationScope(async () => {
      const found = await this.find(key);
      return { spent: await this.deps.engine.consume(found.attempt.id), login: found.ref };
    });
  }

  /** Ends a waiting login (the user cancelled). */
  async cancel(key: LoginKey): Promise<boolean> {
    return this.deps.engine.cancel((await this.find(key)).attempt.id);
  }

  /**
   * A factor the user just set up while the login waited for set-up (require_setup) proved
   * possession: it counts for that login, as an answer would.
   */
  passBySetup(key: LoginKey, factorId: string, requestFacts?: RequestFacts, options: AnswerOptions = {}): Promise<LoginStep> {
    return withOperationScope(() =>
      this.ended(async () => {
        const found = await this.find(key);
        const facts = factsOf(found.attempt, requestFacts);
        const status = await this.deps.engine.passBySetup(found.attempt.id, factorId, facts);
        return this.stepOf(found, status, { spend: options.spend ?? true, accept: [], forPage: options.forPage ?? false, facts });
      }),
    );
  }

  private async find(key: LoginKey): Promise<Found> {
    if ('attemptId' in key) {
      const attempt = await this.deps.engine.findById(key.attemptId);
      return { attempt, ref: loginRef(attempt, null) };
    }
    const attempt = await this.deps.engine.findByHandle(key.handle).catch((error: unknown) => {
      throw isMfaError(error, 'ATTEMPT_EXPIRED') ? unknownLogin() : error;
    });
    if (!mayContinue(attempt, key)) throw unknownLogin();
    return { attempt, ref: loginRef(attempt, key.handle) };
  }

  private async answerFound(found: Found, status: AttemptStatus, answer: LoginAnswer, finish: Finish): Promise<LoginStep> {
    const factors = loginFactors(this.deps.registry, status);
    const context = choiceContext(found.attempt);
    try {
      const factor = noInput(answer) && !answer.factor ? chooseApproval(factors, context) : chooseFactor(factors, answer.factor, 'answer', context);
      if (factor.prompt === 'approval') {
        const given = await this.approval(status, factor.id, finish.facts);
        if (given === 'denied') {
          await this.deps.engine.cancel(found.attempt.id);
          return { kind: 'ended', reason: 'denied', error: new MfaError('ATTEMPT_FAILED', 'This login was denied on your other device. If it was not you, change your password.') };
        }
        if (given === 'waiting') {
          const error = new MfaError('APPROVAL_PENDING', 'Not approved yet: answer on your other device, then continue.', { factor: factor.id });
          return this.stepOf(found, status, finish, error);
        }
      }
      const after = await this.deps.engine.verify(found.attempt.id, factor.id, factor.prompt === 'approval' ? {} : answer.input, finish.facts);
      return this.stepOf(found, after, { ...finish, passedBy: factor.id });
    } catch (error) {
      if (!isMfaError(error) || !PLAIN_NO.has(error.code)) throw error;
      const now = await this.ended(async () => this.stepOf(found, await this.deps.engine.status(found.attempt.id, finish.facts), finish, error));
      // The login ended meanwhile (another request passed it with this very code): it is over, and this answer's own "no" says why this one lost.
      return now.kind === 'ended' ? { ...now, error } : now;
    }
  }

  /** Where an approval asked for on another device stands, without counting anything (FactorPrompt 'approval'). */
  private async approval(status: AttemptStatus, factorId: string, facts: RequestFacts): Promise<'approved' | 'denied' | 'waiting'> {
    const settings = await this.deps.settings.snapshot();
    const state = await this.deps.registry.provider(this.deps.registry.factory(factorId), settings).state(status.attempt, facts);
    return state === 'pass' ? 'approved' : state === 'fail' ? 'denied' : 'waiting';
  }

  private passedUnspent(found: Found): Promise<LoginStep> {
    return this.ended(async () => {
      const user = await this.deps.engine.userOf(found.attempt);
      return { kind: 'passed', login: found.ref, user, spent: false, passedAt: found.attempt.finishedAt ?? this.deps.now(), passedWith: [], landing: null, keep: [] };
    });
  }

  private async stepOf(found: Found, status: AttemptStatus, finish: Finish, error?: MfaError): Promise<LoginStep> {
    const login = loginRef(status.attempt, found.ref.handle);
    const { user } = status;
    switch (status.outcome) {
      case 'passed': {
        // Of callers racing on one login, only the one that spends it gets a session or token.
        if (finish.spend && !(await this.deps.engine.consume(status.attempt.id))) throw spentLogin();
        const passedWith = status.factors.filter((f) => f.state === 'pass').map((f) => f.id);
        const landing = finish.passedBy && !finish.forPage ? await this.deps.engine.landingAfterPass(finish.passedBy, user.id) : null;
        const keep = await this.keepAfterPass(status, finish);
        return { kind: 'passed', login, user, spent: finish.spend, passedAt: status.attempt.finishedAt ?? this.deps.now(), passedWith, landing, keep };
      }
      case 'setup_required':
        return { kind: 'setup_required', login, user, setup: setupChoices(this.deps.registry, await this.deps.settings.snapshot()) };
      case 'locked':
        return { kind: 'locked', login, user, factors: loginFactors(this.deps.registry, status), ...(error ? { error } : {}) };
      case 'failed':
        return { kind: 'ended', reason: 'refused', error: new MfaError('ATTEMPT_FAILED', 'This login was refused. Log in again, or contact your administrator.') };
      default: {
        const settings = await this.deps.settings.snapshot();
        const offers = await passOffers(this.deps.registry, settings, status.attempt.door);
        return { kind: 'pending', login, user, factors: loginFactors(this.deps.registry, status), offers, ...(error ? { error } : {}) };
      }
    }
  }

  /** What the factors whose offers the user ticked hand the client to keep (a trusted browser's cookie). */
  private async keepAfterPass(status: AttemptStatus, finish: Finish): Promise<ClientCredential[]> {
    if (finish.accept.length === 0) return [];
    const settings = await this.deps.settings.snapshot();
    const keep: ClientCredential[] = [];
    for (const offer of await passOffers(this.deps.registry, settings, status.attempt.door)) {
      if (!finish.accept.includes(offer.field)) continue;
      const provider = this.deps.registry.provider(this.deps.registry.factory(offer.factor), settings);
      const credential = await provider.afterPass?.(status.attempt, status.user, finish.facts);
      if (credential) keep.push(credential);
    }
    return keep;
  }

  /** A login that is gone (expired, spent, refused) is a step, not an error: every door sends the user back to the password. */
  private async ended(work: () => Promise<LoginStep>): Promise<LoginStep> {
    try {
      return await work();
    } catch (error) {
      if (isMfaError(error, 'ATTEMPT_EXPIRED')) return { kind: 'ended', reason: 'expired', error };
      if (isMfaError(error, 'ATTEMPT_FAILED')) return { kind: 'ended', reason: 'refused', error };
      if (isMfaError(error, 'NOT_FOUND')) return { kind: 'ended', reason: 'unknown', error };
      throw error;
    }
  }
}

/** A browser can run a ceremony (the web door, a platform's browser flow); an app or a script cannot. */
function choiceContext(attempt: StoredAttempt): ChoiceContext {
  return { browser: attempt.door === 'web', sentCodes: attempt.door !== 'api' };
}

function noInput(answer: LoginAnswer): boolean {
  return Object.values(answer.input).every((value) => value === undefined || value === null || value === '');
}

/** No input and no factor named: the caller asks whether its approval came. Without an approval factor, the code is missing. */
function chooseApproval(factors: ReturnType<typeof loginFactors>, context: ChoiceContext) {
  const approvals = factors.filter((f) => f.prompt === 'approval');
  if (approvals.length === 0) throw new MfaError('INVALID_INPUT', 'Enter the code.', { field: 'code' });
  return chooseFactor(approvals, undefined, 'answer', context);
}
