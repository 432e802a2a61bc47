import { Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { type EmailCodeSent, reportNotMe } from '../../../plugin/factors/email/index.ts';
import { codeSentMessage, renderEmailSetupPage, renderNotMePage, renderNotMeResultPage } from '../../../web/pages/mfa/emailPages.ts';
import { csrfToken } from '../csrf.ts';
import { completeMfa } from './completeMfa.ts';
import { requireRecentMfa } from './recentMfa.ts';
import { auditIp, requestFacts } from './requestFacts.ts';
import { saveSession, sessionUserId, userRoute } from './webSession.ts';

export interface EmailRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  secureCookies: boolean;
}

/** engine.challenge and beginSetup answer a plain record; the email factor's has this shape. */
function asCodeSent(result: object): EmailCodeSent {
  const r = result as Partial<Record<keyof EmailCodeSent, unknown>>;
  return {
    setupId: typeof r.setupId === 'number' ? r.setupId : undefined,
    sentTo: String(r.sentTo ?? ''),
    expiresAt: Number(r.expiresAt ?? 0),
    resendAvailableAt: Number(r.resendAvailableAt ?? 0),
    sendsLeft: Number(r.sendsLeft ?? 0),
  };
}

/** Email codes on the web door: "Send me a code" at /mfa, turning them on at /user/security, and the "This wasn't me" page. */
export function emailRoutes(options: EmailRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  const signIn = { loginPath: options.loginPath, returnTo: '/user/security' };

  /** "Send me a code": the only way a login code is mailed. The page then says where it went. */
  router.post('/mfa/challenge', async (req, res, next) => {
    const attemptId = req.session.mfa?.attemptId;
    if (!sessionUserId(req) || !attemptId || req.session.mfa?.state !== 'pending' || req.body?.factor !== 'email') return res.redirect(303, '/mfa');
    try {
      try {
        req.session.mfaFlash = codeSentMessage(asCodeSent(await plugin.engine.challenge(attemptId, 'email', {})));
      } catch (error) {
        if (isMfaError(error, 'ATTEMPT_EXPIRED') || isMfaError(error, 'ATTEMPT_FAILED')) {
          await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
          return res.redirect(303, `${options.loginPath}?notice=${error.code === 'ATTEMPT_FAILED' ? 'refused' : 'expired'}`);
        }
        if (!isMfaError(error)) throw error;
        // Too soon, or too many codes: the page says so (and how long to wait) above the code field.
        req.session.mfaFlash = error.message;
      }
      await saveSession(req);
      res.redirect(303, '/mfa?factor=email');
    } catch (error) {
      next(error);
    }
  });

  /** The link in the mail only asks; the button (POST) stops the login. Mail scanners open links, and must not cancel logins. */
  router.get('/mfa/not-me', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    if (!token) return res.status(400).send(renderNotMeResultPage({ stopped: false, message: 'This link is incomplete. Open it from the email again.' }));
    res.send(renderNotMePage({ csrf: csrfToken(req), token }));
  });

  router.post('/mfa/not-me', async (req, res, next) => {
    try {
      const settings = await plugin.settings.snapshot();
      const token = typeof req.body?.token === 'string' ? req.body.token : '';
      const report = await reportNotMe(plugin.registry.context(settings), token, { ip: requestFacts(req, settings).ip });
      res.status(report.outcome === 'unknown_link' ? 410 : 200).send(renderNotMeResultPage({ stopped: report.outcome === 'stopped', message: report.message }));
    } catch (error) {
      next(error);
    }
  });

  router.post('/user/security/email/setup', requireRecentMfa(plugin), userRoute(plugin, signIn, async (req, res, user) => {
    try {
      const sent = asCodeSent(await plugin.enrolment.beginSetup(user, 'email', { ip: await auditIp(plugin, req) }));
      return res.send(renderEmailSetupPage({ csrf: csrfToken(req), sent }));
    } catch (error) {
      if (!isMfaError(error)) throw error;
      const open = await plugin.enrolment.resumeSetup(user, 'email', {});
      if (open && error.details.field === 'resend') {
        return res.status(429).send(renderEmailSetupPage({ csrf: csrfToken(req), sent: asCodeSent(open), error: error.message }));
      }
      req.session.mfaFlash = error.message;
      await saveSession(req);
      return res.redirect(303, '/user/security');
    }
  }));

  router.post('/user/security/email/confirm', requireRecentMfa(plugin), userRoute(plugin, signIn, async (req, res, user) => {
    const input = { setupId: req.body?.setupId, code: String(req.body?.code ?? '') };
    try {
      await plugin.enrolment.confirmSetup(user, 'email', input, { actor: user.username, ip: await auditIp(plugin, req) });
    } catch (error) {
      if (!isMfaError(error)) throw error;
      const open = error.code === 'SETUP_EXPIRED' ? null : await plugin.enrolment.resumeSetup(user, 'email', {});
      if (open) return res.status(error.code === 'INVALID_CODE' ? 401 : 400).send(renderEmailSetupPage({ csrf: csrfToken(req), sent: asCodeSent(open), error: error.message }));
      req.session.mfaFlash = error.message;
      await saveSession(req);
      return res.redirect(303, '/user/security');
    }
    const marker = req.session.mfa;
    if (marker?.setupRequired && marker.attemptId && marker.state === 'pending') {
      // The code from the mailbox proved possession: it counts for the login waiting on it.
      const settings = await plugin.settings.snapshot();
      const status = await plugin.engine.passBySetup(marker.attemptId, 'email', requestFacts(req, settings));
      if (status.outcome === 'passed') {
        return completeMfa(plugin, req, res, { userId: user.id, attempt: status.attempt }, { trustDevice: false, homePath: options.homePath, loginPath: options.loginPath, secureCookies: options.secureCookies });
      }
      return res.redirect(303, '/mfa');
    }
    req.session.mfaFlash = 'Email codes are on. When you log in, you can ask for a code by email.';
    await saveSession(req);
    res.redirect(303, '/user/security');
  }));

  return router;
}
