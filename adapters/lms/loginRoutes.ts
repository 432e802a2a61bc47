import { type Request, type Response, Router } from 'express';
import { csrfToken } from '../express/csrf.ts';
import { safeReturnPath } from '../express/safeReturnPath.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { renderLoginPage, renderLogoutPage } from '../../web/pages/lms/loginPage.ts';
import type { LmsHost } from './lmsHost.ts';

export type AfterPasswordLogin = (req: Request, res: Response, user: HostUser, returnTo: string) => Promise<string | undefined>;

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

/** The host's own password login: `/login` and `/logout`. */
export function loginRoutes(options: { host: LmsHost; siteName: string; homePath: string; afterPasswordLogin?: AfterPasswordLogin }): Router {
  const router = Router();
  const page = (req: Request, extra: { error?: string; username?: string; notice?: string } = {}) =>
    renderLoginPage({ csrf: csrfToken(req), returnTo: safeReturnPath(req.query.returnTo), siteName: options.siteName, ...extra });

  router.get('/login', (req, res) => {
    const notice = typeof req.query.notice === 'string' ? req.query.notice.slice(0, 300) : undefined;
    res.send(page(req, { notice }));
  });

  router.post('/login', async (req, res, next) => {
    try {
      const { username, password } = req.body ?? {};
      if (typeof username !== 'string' || typeof password !== 'string' || username.trim() === '' || password === '') {
        return res.status(400).send(page(req, { error: 'Enter your username and your password.', username: typeof username === 'string' ? username : '' }));
      }
      const user = await options.host.checkPassword(username.slice(0, 200), password.slice(0, 1000));
      if (!user) return res.status(401).send(page(req, { error: 'Invalid login, please try again', username: username.slice(0, 200) }));
      const returnTo = safeReturnPath(req.query.returnTo ?? req.body.returnTo) ?? options.homePath;
      // A new session id once the password is right: a planted or sniffed anonymous id is worth nothing now.
      await regenerate(req);
      (req.session as { userId?: string }).userId = user.id;
      const next = await options.afterPasswordLogin?.(req, res, user, returnTo);
      res.redirect(303, next ?? returnTo);
    } catch (error) {
      next(error);
    }
  });

  router.get('/logout', (req, res) => res.send(renderLogoutPage({ csrf: csrfToken(req), siteName: options.siteName })));
  router.post('/logout', (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie('lms_session');
      res.redirect(303, '/login');
    });
  });
  return router;
}
