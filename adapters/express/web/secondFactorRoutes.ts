import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { LoginStep } from '../../../plugin/login/loginStep.ts';
import { drawQrCodes } from '../../../web/pages/mfa/displayBlocks.ts';
import { factorView } from '../../../web/pages/mfa/factorView.ts';
import { type OfferedFactor, renderLockedPage, renderSecondFactorPage } from '../../../web/pages/mfa/secondFactorPage.ts';
import { csrfToken } from '../csrf.ts';
import { STATUS_BY_ERROR_CODE } from '../errorHandler.ts';
import { completeMfa, loginMadeForPage } from './completeMfa.ts';
import { requestFacts } from '../requestFacts.ts';
import { saveSession, sessionHostUser, sessionUserId } from '../webSession.ts';

export interface SecondFactorRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

/** Back to the password, with the login page's notice for why (a key, never free text: see LOGIN_NOTICES). */
export async function restartLogin(req: Request, res: Response, loginPath: string, reason: 'expired' | 'refused'): Promise<void> {
  await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
  res.redirect(303, `${loginPath}?notice=${reason}`);
}

/** The login is gone (expired, used, refused): the error that sends the user back to the password. */
export function endedLogin(error: unknown): 'expired' | 'refused' | null {
  if (isMfaError(error, 'ATTEMPT_FAILED')) return 'refused';
  if (isMfaError(error, 'ATTEMPT_EXPIRED')) return 'expired';
  return null;
}

/** The fields of a /mfa form the user ticked from the login's offers (PassOffer fields). */
function acceptedOffers(req: Request): string[] {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.keys(body).filter((name) => body[name] === '1' && name !== 'factor');
}

/**
 * `/mfa`: the second-factor page of the web door, for every factor alike. Each request is
 * one call of the login protocol (status, answer); this file turns the step it answers into
 * a page or a redirect.
 */
export function secondFactorRoutes(options: SecondFactorRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  async function facts(req: Request) {
    return requestFacts(req, await plugin.settings.snapshot(), plugin.registry);
  }

  /** Where this session's login stands, opened on demand (a session from before MFA was switched on has none). */
  async function currentStep(req: Request): Promise<LoginStep> {
    const attemptId = req.session.mfa?.attemptId;
    if (attemptId) return plugin.login.status({ attemptId }, await facts(req));
    const user = await sessionHostUser(plugin, req);
    if (!user) return { kind: 'ended', reason: 'expired', error: new MfaError('ATTEMPT_EXPIRED', 'Log in again with your password.') };
    const step = await plugin.login.start({ user, door: 'web', facts: await facts(req) });
    if ('login' in step) req.session.mfa = { ...req.session.mfa, state: 'pending', attemptId: step.login.attemptId };
    return step;
  }

  async function show(req: Request, res: Response, step: Extract<LoginStep, { kind: 'pending' }>): Promise<void> {
    const offered: OfferedFactor[] = step.factors.map((standing) => ({ standing, view: factorView(plugin.registry.factory(standing.id)) }));
    const wanted = String(req.body?.factor ?? req.query.factor ?? '');
    const current = offered.find((f) => f.view.id === wanted && f.standing.state !== 'locked') ?? offered.find((f) => f.standing.state !== 'locked');
    const started = req.session.mfaChallenge;
    const challenge = started && current && started.factor === current.view.id && started.attemptId === step.login.attemptId ? started.view : undefined;
    const html = renderSecondFactorPage({
      csrf: csrfToken(req),
      username: step.user.username,
      current: current ?? null,
      others: offered.filter((f) => f !== current),
      offers: step.offers,
      challenge,
      qr: await drawQrCodes(challenge?.blocks ?? []),
      error: step.error?.message,
      flash: takeFlash(req),
    });
    res.status(step.error ? (STATUS_BY_ERROR_CODE[step.error.code] ?? 400) : 200).send(html);
  }

  /** The step in this door's terms: a session, the set-up page, the prompt again, or back to the password. */
  async function decide(req: Request, res: Response, step: LoginStep): Promise<void> {
    switch (step.kind) {
      case 'not_required':
      case 'passed':
        return completeMfa(plugin, req, res, step, { homePath: options.homePath, secureCookies: options.secureCookies });
      case 'setup_required':
        req.session.mfa = { ...req.session.mfa, state: 'pending', attemptId: step.login.attemptId, setupRequired: true };
        await saveSession(req);
        return res.redirect(303, '/user/security?setup=required');
      case 'locked':
        await saveSession(req);
        return void res.status(403).send(renderLockedPage({ csrf: csrfToken(req), username: step.user.username }));
      case 'ended':
        return restartLogin(req, res, options.loginPath, step.reason === 'refused' || step.reason === 'denied' ? 'refused' : 'expired');
      case 'pending':
        await saveSession(req);
        return show(req, res, step);
    }
  }

  router.get('/mfa', async (req, res, next) => {
    try {
      if (!sessionUserId(req)) return res.redirect(303, options.loginPath);
      if (req.session.mfa?.state === 'passed') return res.redirect(303, options.homePath);
      await decide(req, res, await currentStep(req));
    } catch (error) {
      next(error);
    }
  });

  router.post('/mfa', async (req, res, next) => {
    const attemptId = req.session.mfa?.attemptId;
    if (!sessionUserId(req) || !attemptId || req.session.mfa?.state !== 'pending') return res.redirect(303, '/mfa');
    const factor = typeof req.body?.factor === 'string' ? req.body.factor : '';
    const code = typeof req.body?.code === 'string' ? req.body.code : '';
    try {
      const step = await plugin.login.answer({ attemptId }, { factor, input: { code, response: req.body?.response } }, await facts(req), {
        accept: acceptedOffers(req),
        forPage: loginMadeForPage(req, options.homePath),
      });
      await decide(req, res, step);
    } catch (error) {
      next(error);
    }
  });

  return router;
}

function takeFlash(req: Request): string | undefined {
  const flash = req.session.mfaFlash;
  delete req.session.mfaFlash;
  return flash;
}
