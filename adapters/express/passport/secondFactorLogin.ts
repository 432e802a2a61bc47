import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { LoginStep } from '../../../plugin/login/loginStep.ts';
import { requestFacts } from '../requestFacts.ts';
import { regenerateSession } from '../webSession.ts';
import { keepPassAcrossLogin, strategyName } from './mfaStrategy.ts';
import { factorPassport, serializeAppUser } from './pluginPassport.ts';

/** A way the waiting login can be finished, for the host's own second-factor form. */
export interface SecondFactorChoice {
  factorId: string;
  /** The Passport strategy to run for it (`passport.authenticate(strategy)`). */
  strategy: string;
  displayName: string;
  /** How the user answers: types a code, runs a browser ceremony (a security key: see the browser helper), approves on another device. */
  prompt: 'code' | 'browser' | 'approval';
  /** Ask for the code first (`sendSecondFactorCode`): a mailed code. */
  sendsChallenge: boolean;
  locked: boolean;
  /** Tries left before it locks. */
  triesLeft: number | null;
}

export type SecondFactorStart =
  /** MFA asks nothing of this login (off, or a trusted browser or network): log the user in now (`req.login`). */
  | { required: false }
  /**
   * The session waits for a second factor: show the choices, then run a strategy. With
   * `setupRequired` the user has none yet: they set one up (`secondFactorSetup`,
   * `mfa.account.beginSetup` with `sessionCaller`), and the strategy passes the login with
   * the set-up's `setupId` and code.
   */
  | { required: true; setupRequired: boolean; choices: SecondFactorChoice[]; setup: Array<{ id: string; displayName: string }> };

/**
 * For a host's Passport app, after its own password strategy (run with `session: false`):
 * opens the MFA login for the user (`userId`: your `Host`'s id for them) and keeps it in the
 * session, under a new session id, until one of the `mfa-*` strategies passes it. Nobody is
 * logged in (`req.user`) until then. Your password strategy's user (`req.user`) is kept the
 * way your serializeUser keeps it, and is what the strategy logs in at the end.
 *
 * @example
 * app.post('/login', passport.authenticate('local', { session: false, failureRedirect: '/login' }), async (req, res, next) => {
 *   const start = await startSecondFactor(mfa, req, String(req.user.id));
 *   if (!start.required) return req.login(req.user, (e) => (e ? next(e) : res.redirect('/')));
 *   res.redirect(start.setupRequired ? '/login/setup' : '/login/mfa');
 * });
 */
export async function startSecondFactor(plugin: MfaPlugin, req: Request, userId: string): Promise<SecondFactorStart> {
  const user = await plugin.registry.host.findUserById(userId);
  if (!user || user.suspended) throw new MfaError('INVALID_LOGIN', 'This account cannot log in.');
  const loginAt = plugin.now();
  const appUser = req.user === undefined ? undefined : await serializeAppUser(factorPassport(plugin), req.user, req);
  const step = await plugin.login.start({ user, door: 'web', facts: requestFacts(req, await plugin.settings.snapshot(), plugin.registry) });
  switch (step.kind) {
    case 'not_required':
    case 'passed': {
      const marker = { state: 'passed' as const, userId: user.id, passedAt: step.kind === 'passed' ? step.passedAt : null, loginAt, appUser };
      await regenerateSession(req, { mfa: marker });
      // The host logs the user in now; Passport's req.login keeps nothing of this session, so the pass is written into its new one.
      keepPassAcrossLogin(req, marker);
      return { required: false };
    }
    case 'ended':
      throw step.error;
    default: {
      const setupRequired = step.kind === 'setup_required';
      await regenerateSession(req, { mfa: { state: 'pending', attemptId: step.login.attemptId, userId: user.id, appUser, setupRequired, loginAt } });
      return { required: true, setupRequired, choices: choicesOf(step), setup: step.kind === 'setup_required' ? step.setup : [] };
    }
  }
}

function choicesOf(step: LoginStep): SecondFactorChoice[] {
  if (step.kind !== 'pending' && step.kind !== 'locked') return [];
  return step.factors.map((f) => ({
    factorId: f.id,
    strategy: strategyName(f.id),
    displayName: f.displayName,
    prompt: f.prompt ?? 'code',
    sendsChallenge: f.capabilities.sendsChallenge,
    locked: f.state === 'locked',
    triesLeft: f.triesLeft,
  }));
}

/**
 * Where the session's waiting login stands; null when none waits.
 *
 * A waiting login can end under the session: another request carrying the same cookie (a
 * second tab, a copied cookie) finished it, it expired, or it was refused. Then it is
 * forgotten and the reason is added to `req.session.messages`, where Passport's
 * `failureMessage` puts a strategy's (unless one is already waiting to be shown), so the
 * host's login page can say why: the user is sent back to log in, never shown an error page.
 * A signed-in user who was verifying again (requireRecentMfa) stays signed in, without a pass.
 */
async function waitingStep(plugin: MfaPlugin, req: Request): Promise<LoginStep | null> {
  const marker = req.session?.mfa;
  if (marker?.state !== 'pending' || !marker.attemptId) return null;
  const step = await plugin.login.status({ attemptId: marker.attemptId }, requestFacts(req, await plugin.settings.snapshot(), plugin.registry));
  if (step.kind === 'ended') {
    if (req.user !== undefined && marker.userId) req.session.mfa = { state: 'passed', userId: marker.userId, passedAt: null, loginAt: marker.loginAt, appUser: marker.appUser };
    else delete req.session.mfa;
    const session = req.session as typeof req.session & { messages?: string[] };
    if (!session.messages?.length) session.messages = [step.error.message];
  }
  return step;
}

/** The factors the session's waiting login can be finished with (empty when none is waiting, or it waits for set-up). */
export async function secondFactorChoices(plugin: MfaPlugin, req: Request): Promise<SecondFactorChoice[]> {
  const step = await waitingStep(plugin, req);
  return step ? choicesOf(step) : [];
}

/** A factor the user may set up to pass a login that waits for set-up (require_setup). */
export interface SecondFactorSetupChoice {
  factorId: string;
  /** The Passport strategy that passes the login with the set-up's `setupId` and the user's answer. */
  strategy: string;
  displayName: string;
  /** How the user sets it up: typing a code back (an authenticator app, a mailed code), or a browser ceremony (a security key: the browser helper). */
  prompt: 'code' | 'browser' | 'approval';
}

/**
 * While the session's waiting login needs a factor set up first (`start.setupRequired`:
 * require_setup, and the user has none), the factors they may set up; otherwise empty.
 * The user begins a set-up with `mfa.account.beginSetup(await sessionCaller(mfa, req), factorId)`,
 * and your form posts its `setupId` and the code (or a security key's `response`) to a
 * route that runs `passport.authenticate(choice.strategy)`: setting the factor up passes
 * the login. An ended login is forgotten, saying why, as with `secondFactorChoices`.
 */
export async function secondFactorSetup(plugin: MfaPlugin, req: Request): Promise<SecondFactorSetupChoice[]> {
  const step = await waitingStep(plugin, req);
  if (step?.kind !== 'setup_required') return [];
  return step.setup.map((f) => ({ factorId: f.id, strategy: strategyName(f.id), displayName: f.displayName, prompt: plugin.registry.factory(f.id).presentation?.prompt?.kind ?? 'code' }));
}

/**
 * Asks a factor that sends its code first (email) to send it, for the session's waiting
 * login; or, for a security key, makes the options the browser helper signs. Resolves with
 * what the factor says ("We sent a code to j***@example.edu") and its result (WebAuthn
 * options); throws MfaError (RATE_LIMITED with `retryAfterSeconds`, FACTOR_NOT_AVAILABLE, ATTEMPT_EXPIRED).
 */
export async function sendSecondFactorCode(plugin: MfaPlugin, req: Request, factorId: string): Promise<{ message: string | null; result: Record<string, unknown> }> {
  const marker = req.session?.mfa;
  if (marker?.state !== 'pending' || !marker.attemptId) throw new MfaError('ATTEMPT_EXPIRED', 'There is no login waiting for a second factor. Log in with your password first.');
  const sent = await plugin.login.challenge({ attemptId: marker.attemptId }, factorId, requestFacts(req, await plugin.settings.snapshot(), plugin.registry));
  return { message: sent.view.message ?? null, result: sent.result };
}
