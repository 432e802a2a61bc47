import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import { drawQrCodes } from '../../../web/pages/mfa/displayBlocks.ts';
import { factorView } from '../../../web/pages/mfa/factorView.ts';
import { type OfferedFactor, renderLockedPage, renderSecondFactorPage } from '../../../web/pages/mfa/secondFactorPage.ts';
import { csrfToken } from '../csrf.ts';
import { approvalAnswer } from './approvalProgress.ts';
import { completeMfa } from './completeMfa.ts';
import { authenticateFactor } from '../passport/doorPassport.ts';
import { factoryById, isApprovalFactor } from './factorViews.ts';
import { requestFacts } from './requestFacts.ts';
import { trustOfferHours } from './trustThisBrowser.ts';
import { saveSession, sessionHostUser, sessionUserId } from './webSession.ts';

export interface SecondFactorRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

const STATUS_BY_CODE: Partial<Record<MfaError['code'], number>> = {
  INVALID_CODE: 401,
  INVALID_INPUT: 400,
  FACTOR_LOCKED: 403,
  FACTOR_NOT_AVAILABLE: 400,
  RATE_LIMITED: 429,
  // An approval asked for before it was given.
  MFA_REQUIRED: 409,
};

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

/**
 * The user's factors as /mfa offers them: set up, asking for input; phishing-resistant
 * ones (security keys, push) first, since a phishing page cannot relay them; otherwise in
 * registration order.
 */
function offeredFactors(plugin: MfaPlugin, status: AttemptStatus): OfferedFactor[] {
  const offered: OfferedFactor[] = [];
  for (const standing of status.factors) {
    const factory = factoryById(plugin, standing.id);
    if (factory && standing.requiresInput && standing.configured) offered.push({ standing, view: factorView(factory) });
  }
  return offered.sort((a, b) => Number(b.view.capabilities.phishingResistant) - Number(a.view.capabilities.phishingResistant));
}

/** `/mfa`: the second-factor page of the web door, for every factor alike. */
export function secondFactorRoutes(options: SecondFactorRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  /** The attempt of this session, opened on demand (a session from before MFA was switched on has none). */
  async function currentStatus(req: Request): Promise<AttemptStatus | 'not_required'> {
    const settings = await plugin.settings.snapshot();
    const facts = requestFacts(req, settings, plugin.registry);
    const attemptId = req.session.mfa?.attemptId;
    if (attemptId) return plugin.engine.status(attemptId, facts);
    const user = await sessionHostUser(plugin, req);
    if (!user) return 'not_required';
    const opened = await plugin.engine.openAttempt({ user, door: 'web', facts });
    if (opened.outcome === 'not_required') return 'not_required';
    req.session.mfa = { ...req.session.mfa, state: 'pending', attemptId: opened.attempt.id };
    return opened;
  }

  async function show(req: Request, res: Response, status: AttemptStatus, error?: MfaError): Promise<void> {
    if (status.outcome === 'locked') {
      res.status(403).send(renderLockedPage({ csrf: csrfToken(req), username: status.user.username }));
      return;
    }
    const usable = offeredFactors(plugin, status);
    const wanted = String(req.body?.factor ?? req.query.factor ?? '');
    const current = usable.find((f) => f.view.id === wanted && f.standing.state !== 'locked') ?? usable.find((f) => f.standing.state !== 'locked');
    const started = req.session.mfaChallenge;
    const challenge = started && current && started.factor === current.view.id && started.attemptId === status.attempt.id ? started.view : undefined;
    const settings = await plugin.settings.snapshot();
    const html = renderSecondFactorPage({
      csrf: csrfToken(req),
      username: status.user.username,
      current: current ?? null,
      others: usable.filter((f) => f !== current),
      trustHours: trustOfferHours(settings),
      challenge,
      qr: await drawQrCodes(challenge?.blocks ?? []),
      error: error?.message,
      flash: takeFlash(req),
    });
    res.status(error ? (STATUS_BY_CODE[error.code] ?? 400) : 200).send(html);
  }

  /** Where a login that passed with this factor lands (the factor's landingAfterPass: after a recovery code, the security page). */
  async function landingFor(factorId: string, status: AttemptStatus): Promise<{ path: string; flash: string } | undefined> {
    const settings = await plugin.settings.snapshot();
    const factory = factoryById(plugin, factorId);
    if (!factory) return undefined;
    const landing = await plugin.registry.provider(factory, settings).landingAfterPass?.(status.user);
    return landing ? { path: '/user/security', flash: landing.message } : undefined;
  }

  async function decide(req: Request, res: Response, status: AttemptStatus | 'not_required', trustDevice: boolean, landing?: { path: string; flash: string }): Promise<void> {
    const complete = { homePath: options.homePath, loginPath: options.loginPath, secureCookies: options.secureCookies, trustDevice, landing };
    if (status === 'not_required') {
      return completeMfa(plugin, req, res, { userId: sessionUserId(req) ?? '', attempt: null }, complete);
    }
    switch (status.outcome) {
      case 'passed':
        return completeMfa(plugin, req, res, { userId: status.user.id, attempt: status.attempt }, complete);
      case 'setup_required':
        req.session.mfa = { ...req.session.mfa, state: 'pending', attemptId: status.attempt.id, setupRequired: true };
        await saveSession(req);
        return res.redirect(303, '/user/security?setup=required');
      case 'failed':
        return restartLogin(req, res, options.loginPath, 'refused');
      default:
        await saveSession(req);
        return show(req, res, status);
    }
  }

  router.get('/mfa', async (req, res, next) => {
    try {
      if (!sessionUserId(req)) return res.redirect(303, options.loginPath);
      if (req.session.mfa?.state === 'passed') return res.redirect(303, options.homePath);
      await decide(req, res, await currentStatus(req), false);
    } catch (error) {
      const ended = endedLogin(error);
      if (ended) return restartLogin(req, res, options.loginPath, ended);
      next(error);
    }
  });

  router.post('/mfa', async (req, res, next) => {
    const attemptId = req.session.mfa?.attemptId;
    if (!sessionUserId(req) || !attemptId || req.session.mfa?.state !== 'pending') return res.redirect(303, '/mfa');
    const factorId = typeof req.body?.factor === 'string' ? req.body.factor : '';
    const code = typeof req.body?.code === 'string' ? req.body.code : '';
    const trustDevice = req.body?.trust_device === '1';
    try {
      const settings = await plugin.settings.snapshot();
      const facts = requestFacts(req, settings, plugin.registry);
      if (isApprovalFactor(factoryById(plugin, factorId))) {
        const answer = await approvalAnswer(plugin, attemptId, factorId, facts);
        // An approval not given yet is no wrong answer: nothing is counted, the page keeps waiting.
        if (answer === 'waiting') throw new MfaError('MFA_REQUIRED', 'Not approved yet: answer on your other device, then continue.');
        // Denied on the device: this login is over.
        if (answer === 'denied') {
          await plugin.engine.cancel(attemptId);
          return await restartLogin(req, res, options.loginPath, 'refused');
        }
      }
      const status = await authenticateFactor(plugin, factorId, { attemptId, input: { code, response: req.body?.response }, facts }, req, res);
      const landing = status.outcome === 'passed' ? await landingFor(factorId, status) : undefined;
      await decide(req, res, status, trustDevice, landing);
    } catch (error) {
      const ended = endedLogin(error);
      if (ended) return restartLogin(req, res, options.loginPath, ended);
      if (isMfaError(error)) {
        try {
          const settings = await plugin.settings.snapshot();
          return await show(req, res, await plugin.engine.status(attemptId, requestFacts(req, settings, plugin.registry)), error);
        } catch (inner) {
          const endedNow = endedLogin(inner);
          if (endedNow) return restartLogin(req, res, options.loginPath, endedNow);
          return next(inner);
        }
      }
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
