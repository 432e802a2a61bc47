import type { Request } from 'express';
import type { Strategy, StrategyCreated } from 'passport';
import type { AccountCaller, WaitingLogin } from '../../../plugin/account/mfaAccount.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { LoginStep } from '../../../plugin/login/loginStep.ts';
import type { FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import { requestFacts } from '../requestFacts.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { type MfaSessionMarker, saveSession } from '../webSession.ts';
import { deserializeAppUser, factorPassport } from './pluginPassport.ts';

/** What a failed strategy tells Passport (the `info` of a custom callback, `req.session.messages` with failureMessage). */
export interface MfaStrategyFailure {
  message: string;
  error?: MfaError;
  /** Where the login stands (the factors left, with their tries), when there is a login. */
  step?: LoginStep;
}

/** `mfa-totp`, `mfa-email`, `mfa-recovery-codes`: Passport's usual spelling of a factor id. */
export function strategyName(factorId: string): string {
  return `mfa-${factorId.replaceAll('_', '-')}`;
}

type StrategyOutcome = { user: unknown; info: { step: LoginStep } } | { failure: MfaStrategyFailure };

/**
 * The Passport strategy of one factor, for a host's Passport app: after its own password
 * step opened the login (`startSecondFactor`), `passport.authenticate('mfa-totp', ...)`
 * answers it with the form's `code` (or `response`, a WebAuthn assertion; or, while set-up
 * is required, the set-up's `setupId` and `code`). It is one call of the login protocol
 * (`mfa.login.answer`): the strategy never compares a code. It succeeds only when the whole
 * login passes, with the host's own user (`Host.appUser`, or what the password step's user
 * serialised to, through the host's own deserializeUser); Passport's `req.login` then gives
 * the session a new id, and the pass is written into that new session (recent-pass rule).
 */
export function mfaStrategy(plugin: MfaPlugin, factory: FactorProviderFactory): Strategy {
  const name = strategyName(factory.id);
  return {
    name,
    authenticate(this: StrategyCreated<Strategy>, req: Request) {
      // Passport does not catch a rejected promise: every path ends in success, fail or error.
      answerForHost(plugin, factory, req).then(
        (outcome) => {
          if ('user' in outcome) this.success(outcome.user as Express.User, outcome.info);
          else this.fail(outcome.failure, outcome.failure.error?.code === 'FACTOR_LOCKED' ? 403 : 401);
        },
        (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
      );
    },
  };
}

const NO_LOGIN = 'There is no login waiting for a second factor. Log in with your password first.';

/** The form's fields as the factor's input: text only (a code, a set-up id, a WebAuthn response as JSON). */
function formInput(body: Record<string, unknown>): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (key !== '_csrf' && typeof value === 'string') input[key] = value;
  return input;
}

async function answerForHost(plugin: MfaPlugin, factory: FactorProviderFactory, req: Request): Promise<StrategyOutcome> {
  const marker = req.session?.mfa;
  if (marker?.state !== 'pending' || !marker.attemptId) return { failure: { message: NO_LOGIN } };
  const body = (req.body ?? {}) as Record<string, unknown>;
  const facts = requestFacts(req, await plugin.settings.snapshot(), plugin.registry);
  const key = { attemptId: marker.attemptId };
  const accept = Object.keys(body).filter((field) => body[field] === '1');
  const step = marker.setupRequired && typeof body.setupId === 'string'
    ? await setUpAndPass(plugin, marker, factory, formInput(body), { key, facts, options: { accept } })
    : await plugin.login.answer(key, { factor: factory.id, input: { code: typeof body.code === 'string' ? body.code : '', response: body.response } }, facts, { accept });
  switch (step.kind) {
    case 'passed':
      return { user: await loggedInUser(plugin, req, marker, step), info: { step } };
    case 'pending':
      if (step.error) return { failure: { message: step.error.message, error: step.error, step } };
      return { failure: { message: 'That worked; this site asks for one more way of verifying.', step } };
    case 'locked':
      return { failure: { message: step.error?.message ?? 'Every way this account can verify is locked after too many wrong tries. Ask an administrator to unlock it.', error: step.error, step } };
    case 'setup_required':
      return { failure: { message: step.error?.message ?? 'This site asks you to set up a second factor first.', error: step.error, step } };
    case 'ended':
      return { failure: { message: step.error.message, error: step.error, step } };
    case 'not_required':
      return { failure: { message: NO_LOGIN } };
  }
}

/** While set-up is required: the factor just set up (its `setupId` and `code`) passes the login waiting on it. */
async function setUpAndPass(plugin: MfaPlugin, marker: MfaSessionMarker, factory: FactorProviderFactory, input: Record<string, string>, waiting: WaitingLogin): Promise<LoginStep> {
  const user = marker.userId ? await plugin.registry.host.findUserById(marker.userId) : null;
  if (!user) return { kind: 'ended', reason: 'expired', error: new MfaError('ATTEMPT_EXPIRED', NO_LOGIN) };
  const caller: AccountCaller = { user, passedAt: null, loggedInAt: marker.loginAt, door: 'web', ip: waiting.facts?.ip ?? null };
  try {
    const { login } = await plugin.account.confirmSetup(caller, factory.id, input, waiting);
    if (login) return login;
  } catch (error) {
    if (!isMfaError(error)) throw error;
    // A wrong set-up code, an expired set-up: the login still waits for set-up; the step says why.
    const now = await plugin.login.status(waiting.key, waiting.facts);
    return now.kind === 'setup_required' ? { ...now, error } : now;
  }
  return plugin.login.status(waiting.key, waiting.facts);
}

/**
 * The host's own user for the login that passed: `Host.appUser`, else what the password
 * step's user serialised to (kept in the session), through the host's deserializeUser,
 * else the plugin's `HostUser`. Passport's `req.login` then replaces the session (passport
 * ≥ 0.6 keeps nothing of it): the pass and what the factors hand the browser are written
 * once the new session exists.
 */
async function loggedInUser(plugin: MfaPlugin, req: Request, marker: MfaSessionMarker, step: Extract<LoginStep, { kind: 'passed' }>): Promise<unknown> {
  const host = plugin.registry.host;
  const passport = factorPassport(plugin);
  const user = host.appUser ? await host.appUser(step.user) : marker.appUser !== undefined ? await deserializeAppUser(passport, marker.appUser, req) : step.user;
  for (const credential of step.keep) {
    req.res?.cookie(credential.name, credential.value, { httpOnly: true, sameSite: 'lax', secure: req.secure, maxAge: credential.maxAgeMs, path: '/' });
  }
  keepPassAcrossLogin(req, { state: 'passed', userId: step.user.id, passedAt: step.passedAt, loginAt: marker.loginAt, appUser: marker.appUser }, marker.returnTo);
  return user;
}

/**
 * Writes the MFA marker into the session Passport's `req.login` makes for this request (it
 * keeps nothing of the old one), and `returnTo` (a same-origin path) as Passport's own
 * `req.session.returnTo`, where `successReturnToOrRedirect` looks: the page a "verify it's
 * you" was for (requireRecentMfa's `returnTo`).
 */
export function keepPassAcrossLogin(req: Request, marker: MfaSessionMarker, returnTo?: string): void {
  const landing = safeReturnPath(returnTo);
  const logIn = req.logIn;
  if (typeof logIn !== 'function') return;
  const withPass = function (this: Request, user: Express.User, options: unknown, done?: (error?: unknown) => void) {
    const callback = (typeof options === 'function' ? options : done) as (error?: unknown) => void;
    const settings = typeof options === 'function' ? {} : options;
    return (logIn as (user: Express.User, options: unknown, done: (error?: unknown) => void) => void).call(this, user, settings, (error?: unknown) => {
      if (error) return callback(error);
      req.session.mfa = marker;
      if (landing) (req.session as typeof req.session & { returnTo?: string }).returnTo = landing;
      saveSession(req).then(() => callback(), callback);
    });
  };
  req.login = req.logIn = withPass as Request['logIn'];
}
