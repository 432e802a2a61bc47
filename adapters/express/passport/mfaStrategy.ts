import type { Request } from 'express';
import type { Strategy, StrategyCreated } from 'passport';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { loginPassTime } from '../../../plugin/engine/recentMfaPass.ts';
import { isMfaError, type MfaError } from '../../../plugin/errors.ts';
import type { FactorProviderFactory, RequestFacts } from '../../../plugin/spi/factor.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { requestFacts } from '../mfa/requestFacts.ts';
import type {} from '../mfa/webSession.ts';

/** What a door hands the strategy: which attempt, the user's input, the request's facts. */
export interface FactorVerificationRequest {
  attemptId: string;
  input: Record<string, unknown>;
  facts: RequestFacts;
}

/** What a failed strategy tells Passport (the `info` of a custom callback, `req.session.messages` with failureMessage). */
export interface MfaStrategyFailure {
  message: string;
  error?: MfaError;
  status?: AttemptStatus;
}

export interface MfaStrategyOptions {
  /**
   * The user object Passport logs in (`req.login`) when MFA passes: the host's own. By
   * default the `Host`'s user, whose `id` is what the host's serializeUser usually keeps.
   */
  toUser?: (user: HostUser) => unknown;
}

const VERIFICATION = Symbol.for('mfa-bridge.factor-verification');
type RequestWithVerification = Request & { [VERIFICATION]?: FactorVerificationRequest };

/** `mfa-totp`, `mfa-email`, `mfa-recovery-codes`: Passport's usual spelling of a factor id. */
export function strategyName(factorId: string): string {
  return `mfa-${factorId.replaceAll('_', '-')}`;
}

/** A door that knows its attempt (the token door's mfa_token, the API's own) names it for the strategy it runs next. */
export function attachVerification(req: Request, verification: FactorVerificationRequest): void {
  (req as RequestWithVerification)[VERIFICATION] = verification;
}

/**
 * The Passport strategy of one factor. Two callers:
 *
 * - a host's Passport app, after its own password strategy opened the attempt
 *   (`startSecondFactor`): `passport.authenticate('mfa-totp', { failureRedirect })`. The
 *   attempt is the session's pending one, the input the form's `code` (or `response`).
 *   It succeeds only when the whole attempt passes; the attempt is then spent (a copied
 *   cookie racing it finds it used) and Passport's `req.login` gives the session a new id.
 * - our doors, which attach the attempt and input themselves and want to know where the
 *   attempt stands after the input, passed or not (a second factor may still be due).
 *
 * Either way the engine decides; the strategy never compares a code.
 */
export function mfaStrategy(plugin: MfaPlugin, factory: FactorProviderFactory, options: MfaStrategyOptions = {}): Strategy {
  const name = strategyName(factory.id);
  return {
    name,
    authenticate(this: StrategyCreated<Strategy>, req: Request) {
      const fromDoor = (req as RequestWithVerification)[VERIFICATION];
      delete (req as RequestWithVerification)[VERIFICATION];
      const run = fromDoor ? verifyForDoor(plugin, factory, fromDoor) : verifyForHost(plugin, factory, req, options);
      // Passport does not catch a rejected promise: every path ends in success, fail or error.
      run.then(
        (outcome) => {
          if ('user' in outcome) this.success(outcome.user as Express.User, outcome.info);
          else this.fail(outcome.failure, outcome.failure.error?.code === 'FACTOR_LOCKED' ? 403 : 401);
        },
        (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
      );
    },
  };
}

type StrategyOutcome = { user: unknown; info: { status: AttemptStatus } } | { failure: MfaStrategyFailure };

async function verifyForDoor(plugin: MfaPlugin, factory: FactorProviderFactory, verification: FactorVerificationRequest): Promise<StrategyOutcome> {
  try {
    const status = await plugin.engine.verify(verification.attemptId, factory.id, verification.input, verification.facts);
    return { user: status.user, info: { status } };
  } catch (error) {
    if (isMfaError(error)) return { failure: { message: error.message, error } };
    throw error;
  }
}

async function verifyForHost(plugin: MfaPlugin, factory: FactorProviderFactory, req: Request, options: MfaStrategyOptions): Promise<StrategyOutcome> {
  const marker = req.session?.mfa;
  if (marker?.state !== 'pending' || !marker.attemptId) {
    return { failure: { message: 'There is no login waiting for a second factor. Log in with your password first.' } };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const input = { code: typeof body.code === 'string' ? body.code : '', response: body.response };
  const settings = await plugin.settings.snapshot();
  let status: AttemptStatus;
  try {
    status = await plugin.engine.verify(marker.attemptId, factory.id, input, requestFacts(req, settings, plugin.registry));
  } catch (error) {
    if (isMfaError(error)) return { failure: { message: error.message, error } };
    throw error;
  }
  if (status.outcome !== 'passed') {
    const message = status.outcome === 'pending' ? 'That worked; this site asks for one more way of verifying.' : 'This login cannot pass any more. Log in again.';
    return { failure: { message, status } };
  }
  // Spent once: of requests racing on one pending session, only one logs in.
  if (!(await plugin.engine.consume(marker.attemptId))) return { failure: { message: 'This login was already used. Log in again.' } };
  req.session.mfa = { state: 'passed', passedAt: loginPassTime({ mfaChecked: true, now: plugin.now() }), loginAt: marker.loginAt };
  return { user: options.toUser ? await options.toUser(status.user) : status.user, info: { status } };
}
