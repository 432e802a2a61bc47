import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { WEBAUTHN_FACTOR_ID } from '../../../plugin/factors/webauthn/index.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { completeMfa } from './completeMfa.ts';
import { requireRecentMfa } from './recentMfa.ts';
import { auditIp, requestFacts } from './requestFacts.ts';
import { saveSession, sessionUserId, sessionHostUser } from './webSession.ts';

export interface WebauthnRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

/** Where the page script imports @simplewebauthn/browser from: our own origin, never a CDN. Under /mfa/, so it is open before MFA. */
export const WEBAUTHN_BROWSER_MODULE_PATH = '/mfa/vendor/simplewebauthn-browser';

/** @simplewebauthn/browser's ES modules, read once at startup (the package is several small files that import each other). */
function loadBrowserModules(): Map<string, Buffer> {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const esm = join(dirname(entry), '..', 'esm');
  const modules = new Map<string, Buffer>();
  for (const file of readdirSync(esm, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.js')) modules.set(`/${relative(esm, join(esm, file)).split(sep).join('/')}`, readFileSync(join(esm, file)));
  }
  if (!modules.has('/index.js')) throw new Error(`@simplewebauthn/browser has no esm/index.js under ${esm}`);
  return modules;
}

function jsonError(res: Response, error: unknown): void {
  if (!isMfaError(error)) throw error;
  const status = error.code === 'FACTOR_LOCKED' || error.code === 'FORBIDDEN' ? 403 : error.code === 'ATTEMPT_EXPIRED' ? 410 : 400;
  res.status(status).json({ error: error.message, code: error.code });
}

/**
 * Security keys and passkeys on the web door. The browser asks for options as JSON and
 * sends the key's answer back in an ordinary form post, so passing MFA goes through the
 * same POST /mfa (and Passport strategy `mfa-webauthn`) as every other factor.
 */
export function webauthnRoutes(options: WebauthnRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();
  const modules = loadBrowserModules();

  async function currentUser(req: Request): Promise<HostUser | null> {
    return sessionHostUser(plugin, req);
  }

  router.get(`${WEBAUTHN_BROWSER_MODULE_PATH}/*file`, (req, res) => {
    const path = req.path.slice(WEBAUTHN_BROWSER_MODULE_PATH.length);
    const body = modules.get(path);
    if (!body) return res.status(404).type('text/plain').send('Not found');
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(body);
  });

  /** Login options for the attempt in this session (engine.challenge: only this user's keys, a fresh challenge). */
  router.post('/mfa/webauthn/options', async (req, res, next) => {
    const attemptId = req.session.mfa?.attemptId;
    if (!sessionUserId(req) || !attemptId || req.session.mfa?.state !== 'pending') {
      return res.status(409).json({ error: 'There is no login waiting for a security key. Log in again.', code: 'ATTEMPT_EXPIRED' });
    }
    try {
      res.json(await plugin.engine.challenge(attemptId, WEBAUTHN_FACTOR_ID, {}));
    } catch (error) {
      try {
        jsonError(res, error);
      } catch (unexpected) {
        next(unexpected);
      }
    }
  });

  /** Registration options; the set-up waits (pending) until /confirm brings the key's answer. */
  router.post('/user/security/webauthn/options', requireRecentMfa(plugin, { respond: 'json' }), async (req, res, next) => {
    try {
      const user = await currentUser(req);
      if (!user) return res.status(401).json({ error: 'Log in first.', code: 'FORBIDDEN' });
      const label = typeof req.body?.label === 'string' ? req.body.label : '';
      res.json(await plugin.enrolment.beginSetup(user, WEBAUTHN_FACTOR_ID, { label, ip: await auditIp(plugin, req) }));
    } catch (error) {
      try {
        jsonError(res, error);
      } catch (unexpected) {
        next(unexpected);
      }
    }
  });

  /** The key's answer to registration, posted as a form (response = JSON text), then back to the security page or on past MFA. */
  router.post('/user/security/webauthn/confirm', requireRecentMfa(plugin), async (req, res, next) => {
    try {
      const user = await currentUser(req);
      if (!user) return res.redirect(303, `${options.loginPath}?returnTo=/user/security`);
      const input = { setupId: req.body?.setupId, response: req.body?.response, label: String(req.body?.label ?? '') };
      try {
        await plugin.enrolment.confirmSetup(user, WEBAUTHN_FACTOR_ID, input, { actor: user.username, ip: await auditIp(plugin, req) });
      } catch (error) {
        if (!isMfaError(error)) throw error;
        req.session.mfaFlash = error.message;
        await saveSession(req);
        return res.redirect(303, '/user/security');
      }
      const marker = req.session.mfa;
      if (marker?.setupRequired && marker.attemptId) {
        // Registering the key proved possession of it: it counts for the login waiting on it.
        const settings = await plugin.settings.snapshot();
        const status = await plugin.engine.passBySetup(marker.attemptId, WEBAUTHN_FACTOR_ID, requestFacts(req, settings));
        if (status.outcome === 'passed') {
          return completeMfa(plugin, req, res, { userId: user.id, attempt: status.attempt }, { trustDevice: false, homePath: options.homePath, loginPath: options.loginPath, secureCookies: options.secureCookies });
        }
        return res.redirect(303, '/mfa');
      }
      req.session.mfaFlash = 'Your security key is registered. You can use it when you log in.';
      res.redirect(303, '/user/security');
    } catch (error) {
      next(error);
    }
  });

  return router;
}
