import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AccountCaller } from '../../../plugin/account/mfaAccount.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { renderRecentMfaPage } from '../../../web/pages/mfa/recentMfaPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { clientIp } from '../requestFacts.ts';
import { sessionHostUser } from '../webSession.ts';

export interface RequireRecentMfaOptions {
  /** Where the "Verify it's you" button brings the user back to. @default '/user/security' */
  returnTo?: string;
  /** `json` for the routes a page script calls (WebAuthn options); `page` for form posts. @default 'page' */
  respond?: 'page' | 'json';
  /** Where a session must log in again. @default '/login' */
  loginPath?: string;
  /** Only guard the requests this says yes to (e.g. not "stop trusting this browser", which gives access up). */
  appliesTo?: (req: Request) => boolean;
}

/** This browser session as the account protocol sees a caller: its user, its MFA pass and its password login's time. */
export async function sessionCaller(plugin: MfaPlugin, req: Request, user: HostUser): Promise<AccountCaller> {
  const marker = req.session.mfa;
  return {
    user,
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

/**
 * The recent-pass rule's refusal (plugin.account) in this door's terms; false for any other
 * error. RECENT_MFA_REQUIRED: a page that explains and offers "Verify it's you" (403), or
 * to a session that never passed, /mfa; LOGIN_REQUIRED: the session ends and the user logs
 * in again (the user's factors were reset after it began).
 */
export async function answerRecentPassRefusal(req: Request, res: Response, user: HostUser, error: unknown, options: RequireRecentMfaOptions = {}): Promise<boolean> {
  if (!isMfaError(error) || !isRecentPassRefusal(error)) return false;
  const returnTo = safeReturnPath(options.returnTo) ?? '/user/security';
  const json = options.respond === 'json';
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

/**
 * A guard for pages that change how an account signs in (the host's own "add a factor"
 * page too): lets the request through only when the session passed MFA within
 * `recent_pass_minutes` (plugin.account's rule); otherwise answers as
 * `answerRecentPassRefusal` says. A user with no factor to verify with (first enrolment,
 * require_setup) is let through: asking for one they do not have would lock them out.
 * Anonymous requests pass on to the route, which sends them to the login.
 *
 * @example
 * app.post('/account/mfa/totp', requireRecentMfa(mfa, { returnTo: '/account/mfa' }), addAuthenticatorApp);
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
        if (await answerRecentPassRefusal(req, res, user, error, options)) return;
        throw error;
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
