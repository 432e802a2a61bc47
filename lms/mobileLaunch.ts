import { type Request, type Response, Router } from 'express';
import type { HostUser } from '../plugin/spi/host.ts';
import { renderLaunchProblemPage, renderOpenAppConfirmPage, renderOpenAppPage } from './pages/mobileLaunchPages.ts';
import { csrfToken } from '../adapters/express/csrf.ts';
import type { LmsHost } from './lmsHost.ts';
import type { MobileAppPolicy } from './mobileApp.ts';
import { appTokenUrl, privateTokenAllowed } from './mobileAppToken.ts';
import { isAppScheme, isLaunchFor, MOBILE_LAUNCH_PATH, type MobileLaunchProblem, type MobileLaunchRequest, mobileLaunchPath, readMobileLaunchRequest } from './mobileLaunchRequest.ts';

export interface MobileLaunchOptions {
  host: LmsHost;
  siteName: string;
  policy: MobileAppPolicy;
}

/**
 * `admin/tool/mobile/launch.php`: how the unmodified Moodle app signs in through a browser
 * (typeoflogin 2 or 3), and so how it gets MFA, since the browser login is the one the MFA
 * gate guards. Moodle's rules (its `admin/tool/mobile/launch.php`), plus two of ours:
 *
 * - A session that did not just log in for this very link (already signed in, and some app
 *   or page opened it) is asked first: Moodle hands such a session's token to whatever app
 *   claims the URL scheme, without a word to the user.
 * - Schemes a browser handles itself (https, javascript...), and those any web page can claim
 *   (irc, sms, web+...: `isAppScheme`), are refused: the token goes only to an installed app.
 */
export function mobileLaunchRoutes(options: MobileLaunchOptions): Router {
  const { host, siteName, policy } = options;
  const router = Router();

  const refuse = (res: Response, problem: MobileLaunchProblem) => res.status(problem.status).send(renderLaunchProblemPage({ ...problem, siteName }));

  /** The checks Moodle makes before anything else; a problem, or the scheme the token goes to. */
  async function check(request: MobileLaunchRequest, fresh: boolean): Promise<{ problem: MobileLaunchProblem } | { scheme: string }> {
    const settings = await policy.settings();
    // Moodle refuses unless the app is told to sign in through a browser, or the user just
    // logged in (launch.php: typeoflogin / justloggedin): with login type `app` the browser
    // door is closed, so a password-only app login cannot be swapped for a browser one.
    if (settings.loginType === 'app' && !fresh) {
      return { problem: { status: 403, title: 'Signing in to the app through the browser is off', message: `${siteName} lets the mobile app sign in with its own form only. Go back to the app and sign in there, or ask your administrator.` } };
    }
    if (!(await host.serviceEnabled(request.service))) {
      return { problem: { status: 403, title: 'The app’s service is not available', message: 'The service the app asked for does not exist on this site or is switched off. Ask your administrator.' } };
    }
    // Moodle's forcedurlscheme: a branded app's scheme wins over whatever the link says.
    const scheme = settings.forcedUrlScheme || request.urlscheme;
    if (!isAppScheme(scheme)) {
      return { problem: { status: 403, title: 'The app cannot be opened from this site', message: 'The site’s setting for the app’s address (mobile_app_url_scheme) is not an app’s scheme. Ask your administrator to correct it.' } };
    }
    return { scheme };
  }

  async function handOff(req: Request, res: Response, user: HostUser, request: MobileLaunchRequest, scheme: string, fresh: boolean): Promise<void> {
    const token = await host.issueServiceToken(user, request.service);
    const withPrivateToken = privateTokenAllowed({ siteOrigin: host.siteOrigin(), isAdmin: user.isAdmin, freshLogin: fresh });
    await policy.recordHandOff(req, user, { service: request.service, privateToken: withPrivateToken, confirmed: !fresh });
    const appUrl = appTokenUrl({ scheme, wwwroot: host.siteOrigin(), passport: request.passport, token, withPrivateToken });
    res.send(renderOpenAppPage({ siteName, username: user.username, appUrl }));
  }

  async function sessionUser(req: Request): Promise<HostUser | null> {
    const userId = (req.session as { userId?: string } | undefined)?.userId;
    const user = userId ? await host.findUserById(userId) : null;
    return user && !user.suspended ? user : null;
  }

  router.get(MOBILE_LAUNCH_PATH, async (req, res, next) => {
    try {
      res.set('Cache-Control', 'no-store');
      const read = readMobileLaunchRequest(req.query);
      if (!read.ok) return refuse(res, read.problem);
      const { request } = read;
      const user = await sessionUser(req);
      const fresh = user !== null && isLaunchFor(await policy.takeLoginLanding(req), request);
      const checked = await check(request, fresh);
      if ('problem' in checked) return refuse(res, checked.problem);
      if (!user) return res.redirect(303, `/login?returnTo=${encodeURIComponent(mobileLaunchPath(request))}`);
      if (fresh) return await handOff(req, res, user, request, checked.scheme, true);
      res.send(renderOpenAppConfirmPage({ siteName, username: user.username, csrf: csrfToken(req), ...request }));
    } catch (error) {
      next(error);
    }
  });

  // The confirmation. The site's CSRF check has already run: only our own page can post here.
  router.post(MOBILE_LAUNCH_PATH, async (req, res, next) => {
    try {
      res.set('Cache-Control', 'no-store');
      const read = readMobileLaunchRequest(req.body ?? {});
      if (!read.ok) return refuse(res, read.problem);
      const { request } = read;
      const user = await sessionUser(req);
      if (!user) return res.redirect(303, `/login?returnTo=${encodeURIComponent(mobileLaunchPath(request))}`);
      const checked = await check(request, false);
      if ('problem' in checked) return refuse(res, checked.problem);
      await handOff(req, res, user, request, checked.scheme, false);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
