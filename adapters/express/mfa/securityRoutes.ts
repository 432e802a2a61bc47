import { type Request, type Response, Router } from 'express';
import QRCode from 'qrcode';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { recentUserActivity } from '../../../plugin/audit/userActivity.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { recoveryCodesLeft } from '../../../plugin/factors/recovery-codes/index.ts';
import type { TotpSetup } from '../../../plugin/factors/totp/index.ts';
import { listUserTokens } from '../../../plugin/credentials/userTokens.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { type RenameError, renderSecurityPage, renderTotpSetupPage } from '../../../web/pages/mfa/securityPage.ts';
import { csrfToken } from '../csrf.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { completeMfa } from './completeMfa.ts';
import { requireRecentMfa } from './recentMfa.ts';
import { auditIp, requestFacts } from './requestFacts.ts';
import { regenerateSession, saveSession, userRoute } from './webSession.ts';
import { recentPassRequired } from '../../../plugin/engine/recentMfaPass.ts';

export interface SecurityRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

/** `/user/security`: the user's own factors — set up, list, remove. Nobody can enrol a factor for someone else. */
export function securityRoutes(options: SecurityRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  const signIn = { loginPath: options.loginPath, returnTo: '/user/security' };

  async function showSecurityPage(req: Request, res: Response, user: HostUser, status = 200, error?: string, renameError?: RenameError): Promise<void> {
    const devices = await plugin.enrolment.devices(user);
    const setupRequired = req.session.mfa?.setupRequired === true;
    const flash = req.session.mfaFlash;
    delete req.session.mfaFlash;
    const setupOptions = await plugin.enrolment.setupOptions();
    const settings = await plugin.settings.snapshot();
    const recoveryCodes = setupOptions.some((o) => o.id === 'recovery_codes') ? await recoveryCodesLeft(plugin.registry.context(settings), user) : undefined;
    const marker = req.session.mfa;
    // Said up front, so the user is not surprised by the question after filling in a form.
    const recentPass = marker?.state === 'passed' ? ((await recentPassRequired(plugin, user, { passedAt: marker.passedAt, loggedInAt: marker.loginAt }, 'web')) ?? undefined) : undefined;
    res.status(status).send(
      renderSecurityPage({
        csrf: csrfToken(req),
        username: user.username,
        devices,
        setupOptions,
        recoveryCodes,
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

  async function showTotpSetup(req: Request, res: Response, setup: TotpSetup, status = 200, error?: string, label = ''): Promise<void> {
    // The QR code is drawn here, never by a third-party chart service: the secret stays on this site.
    const qrSvg = await QRCode.toString(setup.otpauthUri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    // The page shows the secret: no browser cache or proxy may keep it (OWASP ASVS V14.3, sensitive data in caches).
    res.status(status).set('Cache-Control', 'no-store').send(renderTotpSetupPage({ csrf: csrfToken(req), setup, qrSvg, error, label }));
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
    const opened = await plugin.engine.openAttempt({ user, door: 'web', facts: requestFacts(req, settings) });
    if (opened.outcome === 'not_required' || opened.outcome === 'passed') {
      // MFA is off, or this browser or network passes on its own: nothing to ask.
      req.session.mfa = { state: 'passed', returnTo, loginAt: req.session.mfa.loginAt };
      return completeMfa(plugin, req, res, { userId: user.id, attempt: opened.outcome === 'passed' ? opened.attempt : null }, { trustDevice: false, homePath: options.homePath, loginPath: options.loginPath, secureCookies: options.secureCookies });
    }
    // Pending again until the factor is given: the gate keeps every other page shut meanwhile, as after a password.
    req.session.mfa = { state: 'pending', attemptId: opened.attempt.id, returnTo, loginAt: req.session.mfa.loginAt };
    await saveSession(req);
    res.redirect(303, '/mfa');
  }));

  router.post('/user/security/totp/setup', requireRecentMfa(plugin), userRoute(plugin, signIn, async (req, res, user) => {
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    const setup = (await plugin.enrolment.beginSetup(user, 'totp', { label, ip: await auditIp(plugin, req) })) as TotpSetup;
    await showTotpSetup(req, res, setup, 200, undefined, label);
  }));

  // Confirming is a set-up step too: a stale session must not read back (or finish) a set-up begun while it was fresh.
  router.post('/user/security/totp/confirm', requireRecentMfa(plugin), userRoute(plugin, signIn, async (req, res, user) => {
    const input = { setupId: req.body?.setupId, code: String(req.body?.code ?? ''), label: String(req.body?.label ?? '') };
    try {
      await plugin.enrolment.confirmSetup(user, 'totp', input, { actor: user.username, ip: await auditIp(plugin, req) });
    } catch (error) {
      if (isMfaError(error, 'INVALID_CODE') || isMfaError(error, 'INVALID_INPUT')) {
        // Show the same QR code again, so the user can retry without rescanning.
        const pending = await resumeSetup(plugin, user, Number(input.setupId));
        if (pending) return await showTotpSetup(req, res, pending, error.code === 'INVALID_CODE' ? 401 : 400, error.message, input.label);
      }
      if (isMfaError(error, 'SETUP_EXPIRED')) return await showSecurityPage(req, res, user, 410, error.message);
      throw error;
    }
    const marker = req.session.mfa;
    if (marker?.setupRequired && marker.attemptId) {
      // Setting the factor up proved possession: it counts for the login waiting on it.
      const settings = await plugin.settings.snapshot();
      const status = await plugin.engine.passBySetup(marker.attemptId, 'totp', requestFacts(req, settings));
      if (status.outcome === 'passed') {
        return completeMfa(plugin, req, res, { userId: user.id, attempt: status.attempt }, { trustDevice: false, homePath: options.homePath, loginPath: options.loginPath, secureCookies: options.secureCookies });
      }
      return res.redirect(303, '/mfa');
    }
    req.session.mfaFlash = 'Your authenticator app is set up. You will be asked for its code when you log in.';
    res.redirect(303, '/user/security');
  }));

  /** A new name for one of the user's own devices (any factor whose provider can rename). */
  router.post('/user/security/devices/rename', userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const factor = typeof req.body?.factor === 'string' ? req.body.factor : '';
    const id = Number(req.body?.id);
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    try {
      const name = await plugin.enrolment.rename(user, factor, id, label, { actor: user.username, ip: await auditIp(plugin, req) });
      req.session.mfaFlash = `Renamed to “${name}”.`;
    } catch (error) {
      if (isMfaError(error, 'INVALID_INPUT')) return await showSecurityPage(req, res, user, 400, undefined, { factor, id, message: error.message, value: label });
      if (isMfaError(error)) return await showSecurityPage(req, res, user, error.code === 'NOT_FOUND' ? 404 : 400, error.message);
      throw error;
    }
    res.redirect(303, '/user/security');
  }));

  // Stopping to trust a browser gives access up: it never waits for a recent pass.
  router.post('/user/security/devices/remove', requireRecentMfa(plugin, { appliesTo: (req) => req.body?.factor !== 'trusted_device' }), userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const factor = typeof req.body?.factor === 'string' ? req.body.factor : '';
    const id = Number(req.body?.id);
    if (!factor || !Number.isInteger(id)) return await showSecurityPage(req, res, user, 400, 'Choose a device to remove from the list.');
    try {
      await plugin.enrolment.remove(user, factor, id, { actor: user.username, ip: await auditIp(plugin, req) });
    } catch (error) {
      if (isMfaError(error)) return await showSecurityPage(req, res, user, error.code === 'NOT_FOUND' ? 404 : 400, error.message);
      throw error;
    }
    req.session.mfaFlash = factor === 'trusted_device' ? 'That browser is no longer trusted.' : 'The device was removed from your account.';
    res.redirect(303, '/user/security');
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

  return router;
}

/** The pending set-up behind a form, re-read so a mistyped code does not cost the user a new QR code. */
async function resumeSetup(plugin: MfaPlugin, user: HostUser, setupId: number): Promise<TotpSetup | null> {
  if (!Number.isInteger(setupId)) return null;
  const resumed = (await plugin.enrolment.resumeSetup(user, 'totp', { setupId })) as TotpSetup | null | undefined;
  return resumed ?? null;
}
