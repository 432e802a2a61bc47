import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { renderNotAllowedPage } from '../../../web/pages/admin/notAllowedPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { sessionUserId } from '../webSession.ts';
import type {} from 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** A one-time message for the next admin page ("Settings saved"). */
    mfaAdminFlash?: string;
  }
}

/**
 * Lets through only a logged-in, not suspended site administrator: anonymous visitors
 * go to the login page, other users get 403. requirePassedMfa runs before this (and the
 * MFA gate before that), so the admin has passed MFA too.
 */
export function adminOnly(plugin: MfaPlugin, loginPath: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const userId = sessionUserId(req);
      const user = userId ? await plugin.admin.findUser(userId) : null;
      if (!user || user.suspended) {
        const returnTo = safeReturnPath(req.originalUrl) ?? '/admin/mfa';
        return res.redirect(303, `${loginPath}?returnTo=${encodeURIComponent(returnTo)}`);
      }
      if (!user.isAdmin) {
        res.status(403);
        return req.accepts(['html', 'json']) === 'json'
          ? res.json({ error: 'Only site administrators can do this.', code: 'FORBIDDEN' })
          : res.type('html').send(renderNotAllowedPage({ username: user.username, csrf: csrfToken(req) }));
      }
      res.locals.mfaAdmin = user;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The administrator `adminOnly` let through. */
export function adminOf(res: Response): HostUser {
  return res.locals.mfaAdmin as HostUser;
}

/** Takes the one-time admin message, if any. */
export function takeAdminFlash(req: Request): string | undefined {
  const flash = req.session.mfaAdminFlash;
  delete req.session.mfaAdminFlash;
  return flash;
}
