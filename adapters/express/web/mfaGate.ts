import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { pathIsListed } from '../../../plugin/settings/pathExclusions.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { factorSlug } from '../../../web/pages/mfa/factorView.ts';
import { openFactorPaths } from './factorRoutes.ts';
import { setsUpAWayIn } from '../../../plugin/login/loginFactors.ts';
import { sessionUserId } from '../webSession.ts';

export { pathIsListed };

/** Paths a user who has not finished MFA may open, whatever the settings say. */
export const ALWAYS_OPEN_PATHS = ['/mfa', '/mfa/', '/login', '/logout', '/assets/', '/favicon.ico'];

/**
 * Pages of enrolment that stay open when setup is required and the user has nothing set up
 * yet: the security page and the set-up of each factor that can be a way in (not a backup
 * such as recovery codes: a set of codes alone is no second factor to enrol with).
 */
export function setupPaths(plugin: MfaPlugin): string[] {
  return ['/user/security', ...plugin.registry.all().filter(setsUpAWayIn).map((f) => `/user/security/${factorSlug(f.id)}/`)];
}

/**
 * Sends a logged-in user who has not passed MFA to the second-factor page, from any
 * URL but the exclusions, remembering where they wanted to go. A passed session costs
 * nothing here: no database read.
 */
export function mfaGate(plugin: MfaPlugin): RequestHandler {
  return passedMfaOnly(plugin, { honourExclusions: true });
}

/**
 * The same rule without the admin's redirect exclusions, for the pages that must never
 * trust the gate alone (the admin pages, the security pages): defence in depth should an
 * exclusion ever cover them. Mount it with a path; it reads the full path (baseUrl + path).
 */
export function requirePassedMfa(plugin: MfaPlugin): RequestHandler {
  return passedMfaOnly(plugin, { honourExclusions: false });
}

function passedMfaOnly(plugin: MfaPlugin, options: { honourExclusions: boolean }): RequestHandler {
  // The factors' own public and pending routes (a phone's answer, a page polling for it) are open like /mfa.
  const open = [...ALWAYS_OPEN_PATHS, ...openFactorPaths(plugin)];
  const setup = setupPaths(plugin);
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!sessionUserId(req) || req.session.mfa?.state === 'passed') return next();
    // Mounted at a path (app.use('/user/security', ...)), the page itself arrives as req.path '/'.
    const path = req.baseUrl && req.path === '/' ? req.baseUrl : `${req.baseUrl}${req.path}`;
    if (pathIsListed(path, open)) return next();
    try {
      const settings = await plugin.settings.snapshot();
      // The plugin switched off (e.g. from the CLI in an emergency) asks nobody.
      if (!settings.boolean('enabled')) return next();
      if (options.honourExclusions && pathIsListed(path, settings.list('redirect_exclusions'))) return next();
      if (req.session.mfa?.setupRequired && pathIsListed(path, setup)) return next();
      if (req.method === 'GET' || req.method === 'HEAD') {
        const marker = req.session.mfa ?? { state: 'pending' as const };
        marker.returnTo ??= safeReturnPath(req.originalUrl) ?? undefined;
        req.session.mfa = marker;
        return res.redirect(302, '/mfa');
      }
      res.status(401);
      if (req.accepts(['html', 'json']) === 'json') {
        res.json({ error: 'Finish multi-factor authentication first.', code: 'MFA_REQUIRED' });
      } else {
        res.type('text/plain').send('Finish multi-factor authentication first: open /mfa.');
      }
    } catch (error) {
      next(error);
    }
  };
}
