import { join } from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import type { HostUser } from '../plugin/spi/host.ts';
import { renderAdminPage, renderMessagePage, renderMyPage } from './pages/loginPage.ts';
import { csrfProtection, csrfToken } from '../adapters/express/csrf.ts';
import { errorHandler } from '../adapters/express/errorHandler.ts';
import { KnexSessionStore } from '../adapters/express/knexSessionStore.ts';
import type { LmsHost } from './lmsHost.ts';
import { type AfterPasswordLogin, type CheckBrowserPassword, type CheckPassword, loginRoutes } from './loginRoutes.ts';
import { mobileLaunchRoutes } from './mobileLaunch.ts';
import type { MobileAppPolicy } from './mobileApp.ts';
import { type BeforeTokenIssue, type ContinueTokenLogin, tokenEndpoint, tokenEndpointErrors } from './tokenEndpoint.ts';
import { AJAX_NOLOGIN_PATH, ajaxEndpoint } from './ajaxEndpoint.ts';
import { allowAnyOrigin } from './moodleCors.ts';
import { REST_SERVER_PATH, restServer } from './webservice/restServer.ts';
import { restServerErrors } from './webservice/restErrors.ts';

/** Where the plugin hooks into the host's login (manifest.json `hooks`). */
export interface LmsLoginHooks {
  /** Called before the site's own routes: the MFA gate and pages. */
  mount?(app: Express): void;
  /** `password_check` at login/token.php, whose clients keep no cookies (the plugin throttles guessing). */
  checkPassword?: CheckPassword;
  /** `password_check` at the login page: the same throttle, and the browser's device cookie. @default checkPassword */
  checkBrowserPassword?: CheckBrowserPassword;
  /** `web_session_login`: after a correct password in the browser. */
  afterPasswordLogin?: AfterPasswordLogin;
  /** `external_token_login`: after a correct password at login/token.php. */
  beforeTokenIssue?: BeforeTokenIssue;
  /** `external_token_login`, second step: a call to login/token.php that finishes a login begun before (no password). */
  continueTokenLogin?: ContinueTokenLogin;
  /** Requests that need no CSRF token though they carry no header credentials (a device's signed JSON post to the plugin). */
  csrfExempt?(req: Request): boolean;
  /** Called before cookies and sessions: routes whose callers send credentials in a header (the JSON API). */
  mountApi?(app: Express): void;
  /**
   * The Moodle app's sign-in: what the site check says (typeoflogin, tool_mfa_enabled) and
   * the browser sign-in (tool/mobile/launch.php). Without it: the app's own form, no MFA
   * reported, no launch.php.
   */
  mobileApp?: MobileAppPolicy;
  /** The session's user, when the plugin already read it for this request and found it active: the page need not read it again. */
  sessionUser?(res: Response): HostUser | undefined;
}

export interface LmsSiteOptions {
  db: Knex;
  host: LmsHost;
  /** `secureCookies`: the session and CSRF cookies are marked Secure (an https site). */
  config: { siteName: string; secureCookies: boolean };
  sessionSecret: string;
  hooks?: LmsLoginHooks;
  log?: (line: string) => void;
}

/**
 * How long a browser session lives (ASVS 5.0 V7.3.1 and V7.3.2 leave both to a documented
 * risk decision). Idle: 8 hours, Moodle's default `sessiontimeout`: a school day with
 * gaps between lessons on one login (longer than NIST's 1-hour AAL2 idle advice; changes
 * to how a user signs in ask for a recent MFA pass on their own). Absolute: 24 hours
 * from the password login however active the session stays, the reauthentication period
 * NIST SP 800-63B-4 sets for AAL2; a stolen cookie is then worth a day at most.
 */
export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_ABSOLUTE_MS = 24 * 3600_000;

/** The LMS's own browser files (its launch page's script); the MFA pages' come with the web door. */
const LMS_ASSETS = join(import.meta.dirname, 'assets');

/**
 * Scripts and styles only from our own files (the pages have no inline ones; keep it so):
 * if an escaping mistake ever lets markup into a page, it still cannot run script, and no
 * form can post a password or a code to another site (form-action).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The LMS-style reference site: the host the plugin drops into, and what `npm start` serves. */
export function createLmsSite(options: LmsSiteOptions): Express {
  const { host, config } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
    next();
  });
  app.use('/assets', express.static(LMS_ASSETS, { fallthrough: false, index: false }));
  // The JSON API parses its own bodies and answers its own errors in JSON.
  options.hooks?.mountApi?.(app);
  // The Moodle app's cookieless endpoints: any origin may read them (its WebView is on http://localhost),
  // errors from the body parsers included; the ajax one reads its JSON body itself, before the form
  // parser can take it for a form.
  app.use([AJAX_NOLOGIN_PATH, '/login/token.php', REST_SERVER_PATH], allowAnyOrigin());
  const log = options.log ?? console.error;
  const mobileApp = options.hooks?.mobileApp;
  const mobileAppSettings = mobileApp ? () => mobileApp.settings() : async () => ({ loginType: 'app' as const, forcedUrlScheme: '', mfaEnabled: false });
  app.use(ajaxEndpoint({ host, log, mobileAppSettings }));
  // token.php serves apps that keep no cookies: it needs no session and no CSRF token.
  // 100 fields: the admin settings form sends one per setting (39 today) and must keep room to grow.
  app.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 100 }));
  app.use(express.json({ limit: '100kb' }));
  app.use(tokenEndpoint({ host, checkPassword: options.hooks?.checkPassword, beforeTokenIssue: options.hooks?.beforeTokenIssue, continueTokenLogin: options.hooks?.continueTokenLogin }));
  app.use('/login/token.php', tokenEndpointErrors(log));
  app.use(restServer({ host }));
  app.use(REST_SERVER_PATH, restServerErrors(log));
  app.use(cookieParser());
  const httpsSite = config.secureCookies;
  app.use(
    session({
      name: 'lms_session',
      secret: options.sessionSecret,
      store: new KnexSessionStore({ db: options.db, absoluteTtlMs: SESSION_ABSOLUTE_MS }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      // A site whose address is https but that listens on plain http sits behind a proxy that
      // ends TLS: express-session then sets its Secure cookie only when it may believe the
      // proxy's X-Forwarded-Proto. A client that lies about it over plain http gets a Secure
      // cookie its browser will not keep, so believing the header costs nothing.
      proxy: httpsSite ? true : undefined,
      cookie: { httpOnly: true, sameSite: 'lax', secure: httpsSite, maxAge: SESSION_IDLE_MS },
    }),
  );
  app.use(
    csrfProtection({
      exempt: ['/login/token.php', '/api/'],
      exemptRequest: options.hooks?.csrfExempt,
      siteName: config.siteName,
      anonymous: { secret: options.sessionSecret, cookieName: 'lms_csrf', secure: httpsSite },
    }),
  );
  options.hooks?.mount?.(app);
  const checkPassword = options.hooks?.checkPassword;
  const checkBrowserPassword: CheckBrowserPassword | undefined = options.hooks?.checkBrowserPassword ?? (checkPassword && ((req, _res, username, password) => checkPassword(req, username, password)));
  app.use(loginRoutes({ host, siteName: config.siteName, homePath: '/my', checkPassword: checkBrowserPassword, afterPasswordLogin: options.hooks?.afterPasswordLogin }));
  if (mobileApp) app.use(mobileLaunchRoutes({ host, siteName: config.siteName, policy: mobileApp }));

  const currentUser = async (req: Request, res: Response): Promise<HostUser | null> => {
    const userId = (req.session as { userId?: string }).userId;
    const known = userId ? options.hooks?.sessionUser?.(res) : undefined;
    const user = userId ? (known?.id === userId ? known : await host.findUserById(userId)) : null;
    if (!user || user.suspended) {
      res.redirect(303, `/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return null;
    }
    return user;
  };
  const page = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
    handler(req, res).catch(next);

  app.get('/', (_req, res) => res.redirect(302, '/my'));
  app.get('/my', page(async (req, res) => {
    const user = await currentUser(req, res);
    if (user) res.send(renderMyPage({ username: user.username, csrf: csrfToken(req), isAdmin: user.isAdmin, siteName: config.siteName }));
  }));
  app.get('/admin', page(async (req, res) => {
    const user = await currentUser(req, res);
    if (!user) return;
    if (!user.isAdmin) {
      res.status(403).send(renderMessagePage({ title: 'Not allowed', message: 'Only site administrators can open this page.', siteName: config.siteName }));
      return;
    }
    res.send(renderAdminPage({ username: user.username, csrf: csrfToken(req), siteName: config.siteName }));
  }));
  app.use((_req, res) => {
    res.status(404).send(renderMessagePage({ title: 'Page not found', message: 'There is no page at this address.', siteName: config.siteName }));
  });
  app.use(errorHandler(options.log, { siteName: config.siteName }));
  return app;
}
