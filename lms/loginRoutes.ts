import { type Request, type Response, Router } from 'express';
import { csrfToken } from '../adapters/express/csrf.ts';
import { safeReturnPath } from '../adapters/express/safeReturnPath.ts';
import type { PasswordCheck } from '../plugin/engine/passwordLogins.ts';
import type { HostUser } from '../plugin/spi/host.ts';
import { renderLoginPage, renderLogoutPage } from './pages/loginPage.ts';
import type { LmsHost } from './lmsHost.ts';


/**
 * What another page may ask the login page to say, by key. Never text from the URL:
 * a crafted link would put the attacker's words on our login page.
 */
export const LOGIN_NOTICES: Readonly<Record<string, string>> = {
  expired: 'Your login has expired or was already used. Log in again with your password.',
  refused: 'This login was refused. Log in again, or contact your administrator.',
};

/**
 * `password_check` at a door whose clients keep no cookies (login/token.php). The plugin's
 * version throttles guessing first; without it, the host's own check (never throttled).
 */
export type CheckPassword = (req: Request, username: string, password: string) => Promise<PasswordCheck>;

/** `password_check` at the login page: as CheckPassword, with the response, where the plugin reads and sets the browser's device cookie. */
export type CheckBrowserPassword = (req: Request, res: Response, username: string, password: string) => Promise<PasswordCheck>;

/** The host's own check, for a site without the plugin. */
export function unthrottledPasswordCheck(host: Pick<LmsHost, 'checkPassword'>): CheckPassword {
  return async (_req, username, password) => {
    const user = await host.checkPassword(username, password);
    return user ? { outcome: 'passed', user } : { outcome: 'wrong' };
  };
}

export type AfterPasswordLogin = (req: Request, res: Response, user: HostUser, returnTo: string) => Promise<string | undefined>;

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

/**
 * Saves the session before answering. express-session would save at res.end, but a failure
 * there comes after the status line is out: the visitor would get a 200 form whose CSRF
 * token was never stored, or a redirect into a session that does not exist. Saved first,
 * a database outage is a 503 here.
 */
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/** The host's own password login: `/login` and `/logout`. */
export function loginRoutes(options: { host: LmsHost; siteName: string; homePath: string; checkPassword?: CheckBrowserPassword; afterPasswordLogin?: AfterPasswordLogin }): Router {
  const router = Router();
  const unthrottled = unthrottledPasswordCheck(options.host);
  const checkPassword: CheckBrowserPassword = options.checkPassword ?? ((req, _res, username, password) => unthrottled(req, username, password));
  const page = (req: Request, extra: { error?: string; username?: string; notice?: string } = {}) =>
    renderLoginPage({ csrf: csrfToken(req), returnTo: safeReturnPath(req.query.returnTo), siteName: options.siteName, ...extra });

  router.get('/login', async (req, res, next) => {
    try {
      const notice = typeof req.query.notice === 'string' ? LOGIN_NOTICES[req.query.notice] : undefined;
      const body = page(req, { notice });
      // Only a logged-in visitor has a session to save; an anonymous one's token is in a cookie (csrf.ts), so no row is written.
      if ((req.session as { userId?: string }).userId) await save(req);
      res.send(body);
    } catch (error) {
      next(error);
    }
  });

  router.post('/login', async (req, res, next) => {
    try {
      const { username, password } = req.body ?? {};
      if (typeof username !== 'string' || typeof password !== 'string' || username.trim() === '' || password === '') {
        return res.status(400).send(page(req, { error: 'Enter your username and your password.', username: typeof username === 'string' ? username : '' }));
      }
      const checked = await checkPassword(req, res, username.slice(0, 200), password.slice(0, 1000));
      if (checked.outcome === 'throttled') {
        // RFC 6585 §4: 429 with Retry-After; the page says the same in words.
        res.set('Retry-After', String(checked.retryAfterSeconds));
        return res.status(429).send(page(req, { error: checked.message, username: username.slice(0, 200) }));
      }
      if (checked.outcome === 'wrong') return res.status(401).send(page(req, { error: 'Invalid login, please try again', username: username.slice(0, 200) }));
      const user = checked.user;
      const returnTo = safeReturnPath(req.query.returnTo ?? req.body.returnTo) ?? options.homePath;
      // A new session id once the password is right: a planted or sniffed anonymous id is worth nothing now.
      await regenerate(req);
      Object.assign(req.session, { userId: user.id, loggedInAt: Date.now() });
      const mfaPath = await options.afterPasswordLogin?.(req, res, user, returnTo);
      await save(req);
      res.redirect(303, mfaPath ?? returnTo);
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
