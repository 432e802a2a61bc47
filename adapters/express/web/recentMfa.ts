import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AccountCaller } from '../../../plugin/account/mfaAccount.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { renderRecentMfaPage } from '../../../web/pages/mfa/recentMfaPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { clientIp, requestFacts } from '../requestFacts.ts';
import { regenerateSession, saveSession, sessionHostUser } from '../webSession.ts';

export interface RequireRecentMfaOptions {
  /** Where the user comes back to once verified again (a same-origin path). @default '/user/security' */
  returnTo?: string;
  /**
   * `json` for the routes a page script calls (a security key's options): a JSON refusal;
   * `page` for form posts. @default as the request asks: `json` when it prefers JSON (the browser helper does), else `page`
   */
  respond?: 'page' | 'json';
  /** Where a session must log in again (its user's factors were reset after it began). @default '/login' */
  loginPath?: string;
  /** Only guard the requests this says yes to (e.g. not "stop trusting this browser", which gives access up). */
  appliesTo?: (req: Request) => boolean;
  /**
   * Your own second-factor page (a Passport app's `/login/mfa`), for a host without the web
   * door's `/mfa`. When the session's pass is too old, the guard opens a new second-factor
   * login for the signed-in user in this session (they stay signed in; the session only
   * loses its pass), puts the reason in `req.session.messages` and redirects there (a JSON
   * refusal names it as `verifyUrl`). Once an `mfa-*` strategy passes it, Passport's
   * `successReturnToOrRedirect` brings the user back to `returnTo`. A browser that passes
   * without input (a trusted device) is let straight through. Without it: the web door's
   * "Verify it's you" page and `/mfa`.
   */
  verifyPath?: string;
}

/**
 * This browser session as the account protocol (`mfa.account`) sees a caller: its user,
 * when it last passed MFA, when its password login happened. `user` defaults to the
 * session's own: the one `startSecondFactor` (or the web door) logged in, or whose login
 * waits for set-up. Throws LOGIN_REQUIRED when the session has none.
 *
 * @example
 * const setup = await mfa.account.beginSetup(await sessionCaller(mfa, req), 'totp', { label: 'Authenticator app' });
 */
export async function sessionCaller(plugin: MfaPlugin, req: Request, user?: HostUser): Promise<AccountCaller> {
  const caller = user ?? (await sessionHostUser(plugin, req));
  if (!caller) throw new MfaError('LOGIN_REQUIRED', 'Log in first: only a signed-in user can change how they sign in.');
  const marker = req.session.mfa;
  return {
    user: caller,
    passedAt: marker?.state === 'passed' ? marker.passedAt : null,
    loggedInAt: marker?.loginAt,
    door: 'web',
    ip: clientIp(req, await plugin.settings.snapshot()),
  };
}

/** The recent-pass rule's refusal (plugin.account): not a failed step, but "verify again" or "log in again". */
export function isRecentPassRefusal(error: unknown): boolean {
  return isMfaError(error, 'RECENT_MFA_REQUIRED') || isMfaError(error, 'LOGIN_REQUIRED');
}

function respondsWithJson(req: Request, options: RequireRecentMfaOptions): boolean {
  return options.respond ? options.respond === 'json' : req.accepts(['html', 'json']) === 'json';
}

/**
 * The recent-pass rule's refusal (plugin.account) in the web door's terms; false for any
 * other error. RECENT_MFA_REQUIRED: a page that explains and offers "Verify it's you" (403), or
 * to a session that never passed, /mfa; LOGIN_REQUIRED: the session ends and the user logs
 * in again (the user's factors were reset after it began).
 */
export async function answerRecentPassRefusal(req: Request, res: Response, user: HostUser, error: unknown, options: RequireRecentMfaOptions = {}): Promise<boolean> {
  if (!isMfaError(error) || !isRecentPassRefusal(error)) return false;
  const returnTo = safeReturnPath(options.returnTo) ?? '/user/security';
  const json = respondsWithJson(req, options);
  if (error.code === 'LOGIN_REQUIRED') {
    await new Promise<void>((resolve, reject) => req.session.destroy((failure) => (failure ? reject(failure) : resolve())));
    if (json) res.status(401).json({ error: 'Your ways of verifying were reset: log in again to set one up.', code: 'LOGIN_REQUIRED' });
    else res.redirect(303, `${options.loginPath ?? '/login'}?returnTo=${encodeURIComponent(returnTo)}`);
    return true;
  }
  if (req.session.mfa?.state !== 'passed') {
    if (json) res.status(401).json({ error: 'Finish multi-factor authentication first.', code: 'MFA_REQUIRED' });
    else res.redirect(303, '/mfa');
    return true;
  }
  res.status(403);
  if (json) res.json({ error: error.message, code: 'RECENT_MFA_REQUIRED', confirmUrl: '/user/security/confirm' });
  else res.send(renderRecentMfaPage({ csrf: csrfToken(req), username: user.username, minutes: Number(error.details.minutes), returnTo }));
  return true;
}

/** What the session holds, all of it (the host's own login too), to carry under a new session id. */
function sessionData(req: Request): Record<string, unknown> {
  const { cookie: _cookie, ...data } = req.session as unknown as Record<string, unknown>;
  return data;
}

/**
 * "Verify it's you" for a host page (`verifyPath`): a new second-factor login for the
 * session's user, kept in this session. The host's own login stays (the user is still
 * signed in) and so does when it happened (`loginAt`: a session from before an admin reset
 * stays one), but the pass is gone until the new login passes. True when it passed at once
 * (a trusted device): the session gets a new id with its new pass.
 */
async function verifyAgain(plugin: MfaPlugin, req: Request, user: HostUser, returnTo: string, reason: string): Promise<boolean> {
  // The session is the user's own (sessionHostUser found them in it): its login time and the host's user go along.
  const marker = req.session.mfa;
  const own = { loginAt: marker?.loginAt, appUser: marker?.appUser };
  const step = await plugin.login.start({ user, door: 'web', facts: requestFacts(req, await plugin.settings.snapshot(), plugin.registry) });
  switch (step.kind) {
    case 'not_required':
    case 'passed':
      await regenerateSession(req, { ...sessionData(req), mfa: { state: 'passed', userId: user.id, passedAt: step.kind === 'passed' ? step.passedAt : null, ...own } });
      return true;
    case 'ended':
      throw step.error;
    default: {
      req.session.mfa = { state: 'pending', attemptId: step.login.attemptId, userId: user.id, returnTo, setupRequired: step.kind === 'setup_required', ...own };
      const session = req.session as typeof req.session & { messages?: string[] };
      session.messages = [...(session.messages ?? []), reason];
      await saveSession(req);
      return false;
    }
  }
}

/**
 * A guard for pages that change how an account signs in (the host's own "add a factor"
 * page too): lets the request through only when the session passed MFA within
 * `recent_pass_minutes` (plugin.account's rule); otherwise sends the user to verify again
 * (`verifyPath`, or the web door's page: see RequireRecentMfaOptions). A user with no
 * factor to verify with (first enrolment, require_setup) is let through: asking for one
 * they do not have would lock them out. A session whose user's factors were reset after it
 * began ends, and the user logs in again (`loginPath`). Anonymous requests pass on to the
 * route, which sends them to the login.
 *
 * @example
 * const recentPass = requireRecentMfa(mfa, { verifyPath: '/login/mfa', returnTo: '/account/mfa' });
 * app.post('/account/mfa/totp', signedIn, recentPass, addAuthenticatorApp);
 */
export function requireRecentMfa(plugin: MfaPlugin, options: RequireRecentMfaOptions = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (options.appliesTo && !options.appliesTo(req)) return next();
      const user = await sessionHostUser(plugin, req);
      if (!user) return next();
      try {
        await plugin.account.requireRecentPass(await sessionCaller(plugin, req, user));
      } catch (error) {
        if (options.verifyPath && isMfaError(error, 'RECENT_MFA_REQUIRED')) {
          const returnTo = safeReturnPath(options.returnTo) ?? '/';
          if (await verifyAgain(plugin, req, user, returnTo, error.message)) return next();
          if (respondsWithJson(req, options)) return void res.status(403).json({ error: error.message, code: error.code, verifyUrl: options.verifyPath });
          return res.redirect(303, options.verifyPath);
        }
        if (await answerRecentPassRefusal(req, res, user, error, options)) return;
        throw error;
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
