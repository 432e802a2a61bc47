import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { loginPassTime } from '../../../plugin/engine/recentMfaPass.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import { requestFacts } from '../mfa/requestFacts.ts';
import { regenerateSession } from '../mfa/webSession.ts';
import { strategyName } from './mfaStrategy.ts';

/** A way the waiting login can be finished, for the host's own second-factor form. */
export interface SecondFactorChoice {
  factorId: string;
  /** The Passport strategy to run for it (`passport.authenticate(strategy)`). */
  strategy: string;
  displayName: string;
  /** Ask for the code first (engine.challenge): a mailed code. */
  sendsChallenge: boolean;
  locked: boolean;
}

export type SecondFactorStart =
  /** MFA asks nothing of this login (off, or a trusted network): log the user in now. */
  | { required: false }
  /** The session waits for a second factor: show the choices, then run a strategy. */
  | { required: true; setupRequired: boolean; choices: SecondFactorChoice[] };

/**
 * For a host's Passport app, after its own password strategy (run with `session: false`):
 * opens the MFA attempt for the user (found through the `Host`) and keeps it in the session, under a new session id, until one of
 * the `mfa-*` strategies passes it. The user is not logged in (no `req.user`) until then.
 *
 * @example
 * app.post('/login', passport.authenticate('local', { session: false, failureRedirect: '/login' }), async (req, res, next) => {
 *   const start = await startSecondFactor(mfa, req, String(req.user.id));
 *   if (!start.required) return req.login(req.user, (e) => (e ? next(e) : res.redirect('/')));
 *   res.redirect('/login/mfa');
 * });
 */
export async function startSecondFactor(plugin: MfaPlugin, req: Request, userId: string): Promise<SecondFactorStart> {
  const user = await plugin.registry.host.findUserById(userId);
  if (!user || user.suspended) throw new MfaError('INVALID_LOGIN', 'This account cannot log in.');
  const settings = await plugin.settings.snapshot();
  const loginAt = plugin.now();
  const opened = await plugin.engine.openAttempt({ user, door: 'web', facts: requestFacts(req, settings) });
  if (opened.outcome === 'not_required') return { required: false };
  if (opened.outcome === 'passed') {
    if (!(await plugin.engine.consume(opened.attempt.id))) throw new MfaError('ATTEMPT_EXPIRED', 'This login was already used. Log in again.');
    await regenerateSession(req, { mfa: { state: 'passed', passedAt: loginPassTime({ mfaChecked: true, now: plugin.now() }), loginAt } });
    return { required: false };
  }
  await regenerateSession(req, { mfa: { state: 'pending', attemptId: opened.attempt.id, setupRequired: opened.outcome === 'setup_required', loginAt } });
  return { required: true, setupRequired: opened.outcome === 'setup_required', choices: await secondFactorChoices(plugin, req) };
}

/**
 * The factors the session's waiting login can be finished with (empty when none is waiting).
 *
 * A waiting login can end under the session: another request carrying the same cookie (a
 * second tab, a copied cookie) finished it, it expired, or it was refused. Then it is
 * forgotten and the reason is added to `req.session.messages`, where Passport's
 * `failureMessage` puts a strategy's (unless one is already waiting to be shown), so the
 * host's login page can say why: the user is sent back to log in, never shown an error page.
 */
export async function secondFactorChoices(plugin: MfaPlugin, req: Request): Promise<SecondFactorChoice[]> {
  const marker = req.session?.mfa;
  if (marker?.state !== 'pending' || !marker.attemptId) return [];
  const settings = await plugin.settings.snapshot();
  let status: AttemptStatus;
  try {
    status = await plugin.engine.status(marker.attemptId, requestFacts(req, settings));
  } catch (error) {
    if (!isMfaError(error, 'ATTEMPT_EXPIRED') && !isMfaError(error, 'ATTEMPT_FAILED')) throw error;
    delete req.session.mfa;
    const session = req.session as typeof req.session & { messages?: string[] };
    if (!session.messages?.length) session.messages = [error.message];
    return [];
  }
  return status.factors
    .filter((f) => f.requiresInput && f.configured)
    .map((f) => {
      const factory = plugin.registry.factory(f.id);
      return { factorId: f.id, strategy: strategyName(f.id), displayName: f.displayName, sendsChallenge: factory.capabilities.sendsChallenge, locked: f.state === 'locked' };
    });
}
