import { type Request, type Response, Router } from 'express';
import type { Passport } from 'passport';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { isMfaError, type MfaError } from '../../../plugin/errors.ts';
import { csrfToken } from '../csrf.ts';
import { renderLockedPage, renderSecondFactorPage } from '../../../web/pages/mfa/secondFactorPage.ts';
import { completeMfa } from './completeMfa.ts';
import { authenticateFactor } from './factorStrategies.ts';
import { landingAfterRecoveryCode } from './recoveryCodeRoutes.ts';
import { requestFacts } from './requestFacts.ts';
import { saveSession, sessionUserId, sessionHostUser } from './webSession.ts';

export interface SecondFactorRoutesOptions {
  plugin: MfaPlugin;
  passport: InstanceType<typeof Passport>;
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
};

/** `/mfa`: the second-factor page of the web door. */
export function secondFactorRoutes(options: SecondFactorRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  /** The attempt of this session, opened on demand (a session from before MFA was switched on has none). */
  async function currentStatus(req: Request): Promise<AttemptStatus | 'not_required'> {
    const settings = await plugin.settings.snapshot();
    const facts = requestFacts(req, settings);
    const attemptId = req.session.mfa?.attemptId;
    if (attemptId) return plugin.engine.status(attemptId, facts);
    const user = await sessionHostUser(plugin, req);
    if (!user) return 'not_required';
    const opened = await plugin.engine.openAttempt({ user, door: 'web', facts });
    if (opened.outcome === 'not_required') return 'not_required';
    req.session.mfa = { ...req.session.mfa, state: 'pending', attemptId: opened.attempt.id };
    return opened;
  }

  /** Back to the password, with the login page's notice for why (a key, never free text: see LOGIN_NOTICES). */
  async function restart(req: Request, res: Response, reason: 'expired' | 'refused'): Promise<void> {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.redirect(303, `${options.loginPath}?notice=${reason}`);
  }

  async function show(req: Request, res: Response, status: AttemptStatus, error?: MfaError): Promise<void> {
    if (status.outcome === 'locked') {
      res.status(403).send(renderLockedPage({ csrf: csrfToken(req), username: status.user.username }));
      return;
    }
    const usable = status.factors.filter((f) => f.requiresInput && f.configured);
    const wanted = String(req.body?.factor ?? req.query.factor ?? '');
    const current = usable.find((f) => f.id === wanted && f.state !== 'locked') ?? usable.find((f) => f.state !== 'locked');
    const settings = await plugin.settings.snapshot();
    const html = renderSecondFactorPage({
      csrf: csrfToken(req),
      username: status.user.username,
      current: current ?? null,
      others: usable.filter((f) => f.id !== current?.id),
      offerTrustDevice: settings.boolean('factor.trusted_device.enabled'),
      trustHours: settings.integer('factor.trusted_device.expiry_hours'),
      error: error?.message,
      flash: takeFlash(req),
    });
    res.status(error ? (STATUS_BY_CODE[error.code] ?? 400) : 200).send(html);
  }

  async function decide(
    req: Request,
    res: Response,
    status: AttemptStatus | 'not_required',
    trustDevice: boolean,
    landing?: { path: string; flash: string },
  ): Promise<void> {
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
        return restart(req, res, 'refused');
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
      if (isMfaError(error, 'ATTEMPT_EXPIRED') || isMfaError(error, 'ATTEMPT_FAILED')) return restart(req, res, error.code === 'ATTEMPT_FAILED' ? 'refused' : 'expired');
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
      const facts = requestFacts(req, settings);
      const status = await authenticateFactor(options.passport, plugin, factorId, { attemptId, input: { code, response: req.body?.response }, facts }, req, res);
      const landing = factorId === 'recovery_codes' && status.outcome === 'passed' ? await landingAfterRecoveryCode(plugin, status.user.id) : undefined;
      await decide(req, res, status, trustDevice, landing);
    } catch (error) {
      if (isMfaError(error, 'ATTEMPT_EXPIRED') || isMfaError(error, 'ATTEMPT_FAILED')) return restart(req, res, error.code === 'ATTEMPT_FAILED' ? 'refused' : 'expired');
      if (isMfaError(error)) {
        try {
          const settings = await plugin.settings.snapshot();
          return await show(req, res, await plugin.engine.status(attemptId, requestFacts(req, settings)), error);
        } catch (inner) {
          if (isMfaError(inner, 'ATTEMPT_EXPIRED')) return restart(req, res, 'expired');
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
