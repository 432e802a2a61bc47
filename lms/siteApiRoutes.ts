import { Router } from 'express';
import { apiCaller, requireScope } from '../adapters/express/api/apiCaller.ts';
import type { LmsHost } from './lmsHost.ts';

/** The scopes the reference site's API routes check (given to createMfaPlugin); identity tokens may carry only these. */
export const LMS_API_SCOPES: Readonly<Record<string, string>> = {
  'site:read': 'Read the site’s name and your username (GET /api/v1/site)',
};

/**
 * The host's own API routes, behind the plugin's API door: callers are already
 * authenticated (session, Basic + code, or identity token); each route names the
 * scope an identity token needs. One route is enough to show the pattern.
 */
export function siteApiRoutes(host: LmsHost): Router {
  const router = Router();
  router.get('/site', requireScope('site:read'), (_req, res) => {
    const caller = apiCaller(res);
    res.json({ sitename: host.siteName(), siteurl: host.siteOrigin(), username: caller.user.username });
  });
  return router;
}
