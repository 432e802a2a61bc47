import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import type { SetupStep } from '../../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import type { AccountCaller } from '../../../plugin/account/mfaAccount.ts';
import { drawQrCodes } from '../../../web/pages/mfa/displayBlocks.ts';
import { factorView } from '../../../web/pages/mfa/factorView.ts';
import { renderSetupStepPage } from '../../../web/pages/mfa/setupStepPage.ts';
import { csrfToken } from '../csrf.ts';
import { STATUS_BY_ERROR_CODE } from '../errorHandler.ts';
import { completeMfa } from './completeMfa.ts';
import { factoryBySlug } from '../factorViews.ts';
import { answerRecentPassRefusal, isRecentPassRefusal, sessionCaller } from './recentMfa.ts';
import { requestFacts } from '../requestFacts.ts';
import { saveSession, userRoute } from '../webSession.ts';

export interface FactorSetupRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
  /** The security page with an error (a set-up that expired), from securityRoutes. */
  showSecurityPage(req: Request, res: Response, user: HostUser, status: number, error: string): Promise<void>;
}

/** Fields a confirmation carries: the step's own (setupId, label) and the user's answer (code, response). Text only. */
function confirmationInput(body: unknown): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (name !== '_csrf' && typeof value === 'string') input[name] = value;
  }
  return input;
}

/** A page or JSON 404, as the caller asked, from the site's error handler. */
function noSuchFactor(): MfaError {
  return new MfaError('NOT_FOUND', 'There is no way of verifying by that name to set up here.');
}

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * Setting a factor up from /user/security, for every factor alike:
 * `POST /user/security/<slug>/setup` (beginSetup, then the factor's SetupStep as a page, or
 * JSON for a card run by a browser script), `POST .../confirm` (confirmSetup; with set-up
 * required, the new factor passes the login waiting on it), and for a step that waits on
 * another device `GET .../setup/status` (how it stands) and `GET .../setup/step` (the step as
 * it stands, for the user to finish). Every step is a call of the account protocol
 * (plugin.account), which asks for a recent MFA pass first; its refusal is answered here.
 */
export function factorSetupRoutes(options: FactorSetupRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();
  const signIn = { loginPath: options.loginPath, returnTo: '/user/security' };

  /** Runs one account step; the recent-pass rule's refusal is answered as a page, or JSON for a page script. */
  async function step(req: Request, res: Response, user: HostUser, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (await answerRecentPassRefusal(req, res, user, error, { respond: scripted(req) ? 'json' : 'page' })) return;
      throw error;
    }
  }

  /** A set-up step asked by a page script (a card with `script`, or a client asking for JSON): answered in JSON. */
  function scripted(req: Request): boolean {
    return wantsJson(req) || (req.path.endsWith('/setup') && factoryBySlug(plugin, String(req.params.slug))?.presentation?.card?.script !== undefined);
  }

  /** The factor named in the URL, when users may set it up: anything else is no page here. */
  function settable(req: Request): FactorProviderFactory | undefined {
    const factory = factoryBySlug(plugin, String(req.params.slug));
    return factory?.capabilities.userSetupAllowed ? factory : undefined;
  }

  async function showStep(req: Request, res: Response, factory: FactorProviderFactory, setup: object, status: number, error?: string): Promise<void> {
    const presented = factory.presentation?.presentSetup?.(setup);
    if (!presented) throw new Error(`factor ${factory.id} began a set-up it cannot present (presentation.presentSetup)`);
    // The name asked on the card rides along to the confirmation.
    const label: Record<string, string> = typeof req.body?.label === 'string' && factory.presentation?.card?.askLabel ? { label: req.body.label } : {};
    const step: SetupStep = { ...presented, carry: { ...presented.carry, ...label } };
    const siteName = plugin.registry.host.siteName();
    // Set-up pages may show a secret (a key, codes shown once): no browser cache or proxy may keep them (ASVS V14.3).
    res.status(status).set('Cache-Control', 'no-store').send(renderSetupStepPage({ csrf: csrfToken(req), siteName, factorId: factory.id, step, qr: await drawQrCodes(step.blocks), error }));
  }

  async function flashBack(req: Request, res: Response, message: string): Promise<void> {
    req.session.mfaFlash = message;
    await saveSession(req);
    res.redirect(303, '/user/security');
  }

  router.post('/user/security/:slug/setup', userRoute(plugin, signIn, (req, res, user) => step(req, res, user, async () => {
    const factory = settable(req);
    if (!factory) throw noSuchFactor();
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    const caller = await sessionCaller(plugin, req, user);
    try {
      const setup = await plugin.account.beginSetup(caller, factory.id, { label });
      if (scripted(req)) return void res.set('Cache-Control', 'no-store').json(setup);
      return await showStep(req, res, factory, setup, 200);
    } catch (error) {
      if (!isMfaError(error) || isRecentPassRefusal(error)) throw error;
      if (scripted(req)) return void res.status(STATUS_BY_ERROR_CODE[error.code]).json({ error: error.message, code: error.code });
      // Asked again too soon (a new email code): the step still open, with why and how long to wait.
      const open = error.details.field === 'resend' ? await plugin.account.resumeSetup(caller, factory.id, {}) : null;
      if (open) return showStep(req, res, factory, open, 429, error.message);
      return flashBack(req, res, error.message);
    }
  })));

  // Confirming is a set-up step too: a stale session must not read back (or finish) a set-up begun while it was fresh.
  router.post('/user/security/:slug/confirm', userRoute(plugin, signIn, (req, res, user) => step(req, res, user, async () => {
    const factory = settable(req);
    if (!factory) throw noSuchFactor();
    const input = confirmationInput(req.body);
    const caller = await sessionCaller(plugin, req, user);
    const marker = req.session.mfa;
    // A login waiting for this set-up (require_setup): setting the factor up proved possession, so it passes that login.
    const waiting = marker?.setupRequired && marker.attemptId && marker.state === 'pending' ? { key: { attemptId: marker.attemptId }, facts: requestFacts(req, await plugin.settings.snapshot(), plugin.registry) } : undefined;
    let confirmed: Awaited<ReturnType<typeof plugin.account.confirmSetup>>;
    try {
      confirmed = await plugin.account.confirmSetup(caller, factory.id, input, waiting);
    } catch (error) {
      if (!isMfaError(error) || isRecentPassRefusal(error)) throw error;
      return refused(req, res, caller, factory, input, error);
    }
    const login = confirmed.login;
    if (login?.kind === 'passed') return completeMfa(plugin, req, res, login, { homePath: options.homePath, secureCookies: options.secureCookies });
    if (login) return res.redirect(303, '/mfa');
    return flashBack(req, res, factorView(factory).copy.addedMessage);
  })));

  /** A refused confirmation: the same step again when it is still open (a mistyped code costs no new QR code), else why. */
  async function refused(req: Request, res: Response, caller: AccountCaller, factory: FactorProviderFactory, input: Record<string, string>, error: MfaError): Promise<void> {
    // A card run by a browser script has no step page to show again.
    if (factory.presentation?.card?.script) return flashBack(req, res, error.message);
    const open = error.code === 'SETUP_EXPIRED' ? null : await plugin.account.resumeSetup(caller, factory.id, input);
    if (open) return showStep(req, res, factory, open, error.code === 'INVALID_CODE' ? 401 : (STATUS_BY_ERROR_CODE[error.code] ?? 400), error.message);
    if (error.code === 'SETUP_EXPIRED') return options.showSecurityPage(req, res, caller.user, 410, error.message);
    return flashBack(req, res, error.message);
  }

  /**
   * The set-up as it stands, shown again (GET, carry fields in the query): where a waiting
   * step goes once its status is `ready`. It confirms nothing; over, it is back to the security page.
   */
  router.get('/user/security/:slug/setup/step', userRoute(plugin, signIn, (req, res, user) => step(req, res, user, async () => {
    const factory = settable(req);
    if (!factory) throw noSuchFactor();
    const open = await plugin.account.resumeSetup(await sessionCaller(plugin, req, user), factory.id, confirmationInput(req.query));
    if (!open) return flashBack(req, res, 'That set-up is over (finished, expired or started again). Start it again if you still need it.');
    return showStep(req, res, factory, open, 200);
  })));

  /** For a step that waits on another device: `waiting` while its confirm is still 'wait', `ready` once the factor presents it otherwise, `gone` when the set-up is over. */
  router.get('/user/security/:slug/setup/status', userRoute(plugin, signIn, (req, res, user) => step(req, res, user, async () => {
    const factory = settable(req);
    if (!factory) throw noSuchFactor();
    const open = await plugin.account.resumeSetup(await sessionCaller(plugin, req, user), factory.id, confirmationInput(req.query));
    const shown = open ? factory.presentation?.presentSetup?.(open) : undefined;
    res.set('Cache-Control', 'no-store').json({ state: !shown ? 'gone' : shown.confirm.kind === 'wait' ? 'waiting' : 'ready' });
  })));

  return router;
}
