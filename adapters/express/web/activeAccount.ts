import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { findHostUser } from '../../../plugin/engine/findHostUser.ts';
import { rememberSessionUser, sessionUserId } from '../webSession.ts';

/**
 * One check in front of every logged-in route (issue 11, finding 10): the session's user
 * must still exist and not be suspended. Otherwise the session ends here, before any
 * route can enrol a factor or mint a token for an account the host has shut. A host
 * that suspends also ends the sessions (`plugin.sessions.endAll`); this catches the ones
 * that outlive it (a suspension written straight to the database, a host without
 * `endUserSessions`). Anonymous requests pass untouched, at no cost.
 */
export function activeAccountOnly(plugin: MfaPlugin, options: { loginPath: string }): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const userId = sessionUserId(req);
    if (!userId) return next();
    try {
      // Shared with the engine's own look-up later in this request (operation scope).
      const user = await findHostUser(plugin.registry.host, userId);
      if (user && !user.suspended) {
        rememberSessionUser(res, user);
        return next();
      }
      await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
      if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, options.loginPath);
      res.status(401);
      const message = 'This account cannot be used: it was suspended or removed. Contact your administrator.';
      if (req.accepts(['html', 'json']) === 'json') res.json({ error: message, code: 'ACCOUNT_INACTIVE' });
      else res.type('text/plain').send(message);
    } catch (error) {
      next(error);
    }
  };
}
