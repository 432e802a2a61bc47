import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import type { FactorRoute, FactorRouteRequest, FactorRouteResponse } from '../../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { drawQrCodes } from '../../../web/pages/mfa/displayBlocks.ts';
import { renderFactorRoutePage } from '../../../web/pages/mfa/factorRoutePage.ts';
import { csrfToken } from '../csrf.ts';
import { pathIsListed } from '../../../plugin/settings/pathExclusions.ts';
import { requestFacts } from '../requestFacts.ts';
import { sendServerSentEvents } from './serverSentEvents.ts';
import { sessionHostUser, sessionUserId } from '../webSession.ts';

export interface FactorRoutesOptions {
  plugin: MfaPlugin;
  loginPath: string;
}

/** Every route a factor serves of its own, with its factor. */
export function declaredRoutes(plugin: MfaPlugin): Array<{ factory: FactorProviderFactory; route: FactorRoute }> {
  return plugin.registry.all().flatMap((factory) => (factory.presentation?.routes ?? []).map((route) => ({ factory, route })));
}

/**
 * Paths a session waiting at the second factor (or nobody at all) may open: the `public`
 * and `pending` routes of the factors. The MFA gate lets them through.
 */
export function openFactorPaths(plugin: MfaPlugin): string[] {
  return declaredRoutes(plugin)
    .filter(({ route }) => route.access !== 'user')
    .map(({ route }) => route.path);
}

/**
 * Whether a request may skip the CSRF check: a JSON POST to a factor's `public` route. Such a
 * caller is a device that proves itself by a signature over the body (push), not a browser
 * session a forged form could ride; and a cross-site form cannot send `application/json`
 * without a CORS preflight this site never grants. Form posts to public routes ("This wasn't
 * me") keep the check.
 */
export function exemptFromCsrf(plugin: MfaPlugin): (req: Request) => boolean {
  const publicPosts = declaredRoutes(plugin)
    .filter(({ route }) => route.method === 'POST' && route.access === 'public')
    .map(({ route }) => route.path);
  return (req) => req.method === 'POST' && pathIsListed(req.path, publicPosts) && req.is('application/json') === 'application/json';
}

function textFields(source: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((source ?? {}) as Record<string, unknown>)) if (typeof value === 'string') fields[name] = value;
  return fields;
}

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/** Who is calling, as the route's `access` demands; null when the door answered already (to the login, to /mfa). */
async function caller(plugin: MfaPlugin, route: FactorRoute, req: Request, res: Response, loginPath: string): Promise<{ user: HostUser | null; attemptId: string | null } | null> {
  if (route.access === 'public') return { user: null, attemptId: null };
  const user = await sessionHostUser(plugin, req);
  const marker = req.session?.mfa;
  if (route.access === 'user' && user && marker?.state === 'passed') return { user, attemptId: null };
  if (route.access === 'pending' && user && marker?.state === 'pending' && marker.attemptId) return { user, attemptId: marker.attemptId };
  if (wantsJson(req) || route.method === 'POST') {
    res.status(route.access === 'pending' ? 409 : 401).json({
      error: route.access === 'pending' ? 'There is no login waiting for a second factor. Log in again.' : 'Log in first.',
      code: route.access === 'pending' ? 'ATTEMPT_EXPIRED' : 'MFA_REQUIRED',
    });
  } else {
    res.redirect(303, sessionUserId(req) && route.access === 'user' ? '/mfa' : `${loginPath}?returnTo=${encodeURIComponent(route.path)}`);
  }
  return null;
}

async function answer(plugin: MfaPlugin, factory: FactorProviderFactory, req: Request, res: Response, response: FactorRouteResponse): Promise<void> {
  if ('events' in response) return sendServerSentEvents(req, res, response.events);
  if ('json' in response) return void res.status(response.status ?? 200).set('Cache-Control', 'no-store').json(response.json);
  const { page } = response;
  const html = renderFactorRoutePage({ csrf: csrfToken(req), siteName: plugin.registry.host.siteName(), factorId: factory.id, page, qr: await drawQrCodes(page.blocks) });
  res.status(response.status ?? 200).set('Cache-Control', 'no-store').send(html);
}

/**
 * A factor's own routes (plugin/spi/factorPresentation.ts FactorRoute) as Express routes:
 * access checked here (`public`, `user` = passed MFA, `pending` = waiting at /mfa), CSRF by
 * the site's middleware (exemptFromCsrf), pages in the site's layout, events as SSE. A
 * disabled factor's routes answer 404. Errors go to the site's error handler (MfaError by code).
 */
export function factorRoutes(options: FactorRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();
  for (const { factory, route } of declaredRoutes(plugin)) {
    const method = route.method === 'GET' ? router.get.bind(router) : router.post.bind(router);
    method(route.path, async (req, res, next) => {
      try {
        const settings = await plugin.settings.snapshot();
        if (!settings.boolean(`factor.${factory.id}.enabled`)) return next();
        const who = await caller(plugin, route, req, res, options.loginPath);
        if (!who) return;
        const facts = requestFacts(req, settings, plugin.registry);
        const request: FactorRouteRequest = {
          context: plugin.registry.contextFor(factory, settings),
          body: req.body ?? null,
          query: textFields(req.query),
          user: who.user,
          attemptId: who.attemptId,
          ip: facts.ip,
          userAgent: facts.userAgent,
        };
        await answer(plugin, factory, req, res, await route.handle(request));
      } catch (error) {
        next(error);
      }
    });
  }
  return router;
}
