import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { recentPassRequired } from '../../../plugin/engine/recentMfaPass.ts';
import { renderRecentMfaPage } from '../../../web/pages/mfa/recentMfaPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { sessionHostUser } from './webSession.ts';

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

/**
 * Lets a security change through only when the session passed MFA within
 * `recent_pass_minutes`; otherwise answers 403 RECENT_MFA_REQUIRED with a page that
 * explains and offers "Verify it's you" (POST /user/security/confirm).
 *
 * A user with no factor to verify with (first enrolment, require_setup) is let
 * through: asking them for a second factor they do not have would lock them out.
 * Anonymous requests pass on to the route, which sends them to the login.
 */
export function requireRecentMfa(plugin: MfaPlugin, options: RequireRecentMfaOptions = {}): RequestHandler {
  const returnTo = safeReturnPath(options.returnTo) ?? '/user/security';
  const loginPath = options.loginPath ?? '/login';
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (options.appliesTo && !options.appliesTo(req)) return next();
      const user = await sessionHostUser(plugin, req);
      if (!user) return next();
      const marker = req.session.mfa;
      const needed = await recentPassRequired(plugin, user, { passedAt: marker?.state === 'passed' ? marker.passedAt : null, loggedInAt: marker?.loginAt }, 'web');
      if (!needed) return next();
      const { minutes } = needed;
      if (needed.loginAgain) {
        // This session began before an admin reset left the user with no factor: only a new
        // password login may set up the first one. The session ends here.
        await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
        if (options.respond === 'json') return void res.status(401).json({ error: 'Your ways of verifying were reset: log in again to set one up.', code: 'LOGIN_REQUIRED' });
        return res.redirect(303, `${loginPath}?returnTo=${encodeURIComponent(returnTo)}`);
      }
      if (marker?.state !== 'passed') {
        if (options.respond === 'json') return void res.status(401).json({ error: 'Finish multi-factor authentication first.', code: 'MFA_REQUIRED' });
        return res.redirect(303, '/mfa');
      }
      res.status(403);
      if (options.respond === 'json') {
        return void res.json({
          error: `Verify it’s you again first: changes to how you sign in need a second-factor check from the last ${minutes} minutes.`,
          code: 'RECENT_MFA_REQUIRED',
          confirmUrl: '/user/security/confirm',
        });
      }
      res.send(renderRecentMfaPage({ csrf: csrfToken(req), username: user.username, minutes, returnTo }));
    } catch (error) {
      next(error);
    }
  };
}
