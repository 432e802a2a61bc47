import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { recentUserActivity } from '../../../plugin/audit/userActivity.ts';
import { listUserTokens } from '../../../plugin/credentials/userTokens.ts';
import { recentPassRequired } from '../../../plugin/engine/recentMfaPass.ts';
import type { CardStatus } from '../../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { type RenameError, renderSecurityPage } from '../../../web/pages/mfa/securityPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { completeMfa } from './completeMfa.ts';
import { restartLogin } from './secondFactorRoutes.ts';
import { deviceRoutes } from './deviceRoutes.ts';
import { factorSetupRoutes } from './factorSetupRoutes.ts';
import { enabledFactorViews } from '../factorViews.ts';
import { auditIp, requestFacts } from '../requestFacts.ts';
import { regenerateSession, saveSession, userRoute } from '../webSession.ts';

export interface SecurityRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

/** `/user/security`: the user's own factors — set up, list, rename, remove — for every factor alike. Nobody can enrol a factor for someone else. */
export function securityRoutes(options: SecurityRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  const signIn = { loginPath: options.loginPath, returnTo: '/user/security' };

  async function showSecurityPage(req: Request, res: Response, user: HostUser, status = 200, error?: string, renameError?: RenameError): Promise<void> {
    const devices = await plugin.enrolment.devices(user);
    const setupRequired = req.session.mfa?.setupRequired === true;
    const flash = req.session.mfaFlash;
    delete req.session.mfaFlash;
    const setupOptions = (await plugin.enrolment.setupOptions()).map((o) => o.id);
    const settings = await plugin.settings.snapshot();
    const factors = enabledFactorViews(plugin, settings);
    // Each factor's own line under its card ("7 of 10 recovery codes left").
    const cardStatus = new Map<string, CardStatus>();
    for (const factory of plugin.registry.enabled(settings)) {
      if (!setupOptions.includes(factory.id)) continue;
      const line = await plugin.registry.provider(factory, settings).cardStatus?.(user);
      if (line) cardStatus.set(factory.id, line);
    }
    const marker = req.session.mfa;
    // Said up front, so the user is not surprised by the question after filling in a form.
    const recentPass = marker?.state === 'passed' ? ((await recentPassRequired(plugin, user, { passedAt: marker.passedAt, loggedInAt: marker.loginAt }, 'web')) ?? undefined) : undefined;
    res.status(status).send(
      renderSecurityPage({
        csrf: csrfToken(req),
        username: user.username,
        devices,
        factors,
        setupOptions,
        cardStatus,
        setupRequired,
        recentPass,
        renamable: await plugin.enrolment.renamableFactors(),
        renameError,
        activity: await recentUserActivity(plugin.audit, user.id),
        tokens: setupRequired ? undefined : await listUserTokens({ host: plugin.registry.host, identityTokens: plugin.identityTokens, audit: plugin.audit }, user),
        flash,
        error,
      }),
    );
  }

  router.get('/user/security', userRoute(plugin, signIn, (req, res, user) => showSecurityPage(req, res, user)));

  /**
   * "Verify it's you": a fresh attempt for the logged-in user on the web door, then the
   * ordinary /mfa page; completeMfa gives a new session id and passedAt, and brings the
   * user back to `returnTo` (same-origin only).
   */
  router.post('/user/security/confirm', userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const returnTo = safeReturnPath(req.body?.returnTo) ?? '/user/security';
    const settings = await plugin.settings.snapshot();
    const step = await plugin.login.start({ user, door: 'web', facts: requestFacts(req, settings, plugin.registry) });
    if (step.kind === 'not_required' || step.kind === 'passed') {
      // MFA is off, or this browser or network passes on its own: nothing to ask.
      req.session.mfa = { state: 'passed', returnTo, loginAt: req.session.mfa.loginAt };
      return completeMfa(plugin, req, res, step, { homePath: options.homePath, secureCookies: options.secureCookies });
    }
    // Refused at once (a factor failed it): this session ends, as a refused login does.
    if (step.kind === 'ended') return restartLogin(req, res, options.loginPath, step.reason === 'refused' || step.reason === 'denied' ? 'refused' : 'expired');
    // Pending again until the factor is given: the gate keeps every other page shut meanwhile, as after a password.
    req.session.mfa = { state: 'pending', attemptId: step.login.attemptId, returnTo, loginAt: req.session.mfa.loginAt };
    await saveSession(req);
    res.redirect(303, '/mfa');
  }));

  /**
   * "Log out everywhere": every other browser session and every API session of the user
   * ends; this one stays (the user is acting from it, and it has passed MFA) but gets a
   * new id, so a copy of its cookie dies with the rest. No recent pass is asked: ending
   * sessions only gives access up. CSRF-checked like every form; audited as `sessions_ended`.
   */
  router.post('/user/security/sessions/end', userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const ended = await plugin.sessions.endAll(user.id, {
      cause: 'logout_everywhere',
      actor: user.username,
      ip: await auditIp(plugin, req),
      door: 'web',
      exceptWebSession: req.sessionID,
    });
    const count = ended.webSessions + ended.apiSessions;
    const mfaFlash = count === 0 ? 'You were not signed in anywhere else.' : `Signed out ${count === 1 ? '1 other session' : `${count} other sessions`}. This browser stays signed in.`;
    await regenerateSession(req, { userId: user.id, mfa: req.session.mfa, mfaFlash });
    res.redirect(303, '/user/security');
  }));

  router.use(factorSetupRoutes({ ...options, showSecurityPage: (req, res, user, status, error) => showSecurityPage(req, res, user, status, error) }));
  router.use(deviceRoutes({ plugin, loginPath: options.loginPath, showSecurityPage }));
  return router;
}
