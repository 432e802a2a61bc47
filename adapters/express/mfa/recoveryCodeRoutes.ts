import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { type RecoveryCodesSetup, recoveryCodesLeft } from '../../../plugin/factors/recovery-codes/index.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { recoveryCodeUsedMessage, renderRecoveryCodesPage } from '../../../web/pages/mfa/recoveryCodesPages.ts';
import { csrfToken } from '../csrf.ts';
import { requireRecentMfa } from './recentMfa.ts';
import { auditIp } from './requestFacts.ts';
import { saveSession, sessionUserId, sessionHostUser } from './webSession.ts';

export interface RecoveryCodeRoutesOptions {
  plugin: MfaPlugin;
  loginPath: string;
}

/** Where a login that passed with a recovery code lands: the security page, told how many codes remain (the user may have lost their device). */
export async function landingAfterRecoveryCode(plugin: MfaPlugin, userId: string): Promise<{ path: string; flash: string } | undefined> {
  const context = plugin.registry.context(await plugin.settings.snapshot());
  const user = await context.host.findUserById(userId);
  if (!user) return undefined;
  return { path: '/user/security', flash: recoveryCodeUsedMessage(await recoveryCodesLeft(context, user)) };
}

/**
 * Generating recovery codes from /user/security. Not among the set-up-required pages:
 * a set of codes alone is a backup, not a way in to enrol with (mfaGate.SETUP_PATHS).
 */
export function recoveryCodeRoutes(options: RecoveryCodeRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();

  async function currentUser(req: Request, res: Response): Promise<HostUser | null> {
    const userId = sessionUserId(req);
    const user = req.session.mfa?.state === 'passed' ? await sessionHostUser(plugin, req) : null;
    if (!user) res.redirect(303, userId ? '/mfa' : `${options.loginPath}?returnTo=/user/security`);
    return user;
  }

  router.post('/user/security/recovery-codes/generate', requireRecentMfa(plugin), async (req, res, next) => {
    try {
      const user = await currentUser(req, res);
      if (!user) return;
      const setup = (await plugin.enrolment.beginSetup(user, 'recovery_codes', { ip: await auditIp(plugin, req) })) as RecoveryCodesSetup;
      const siteName = plugin.registry.context(await plugin.settings.snapshot()).host.siteName();
      // Shown once: the page must not be kept by the browser or a proxy.
      res.set('Cache-Control', 'no-store').send(renderRecoveryCodesPage({ csrf: csrfToken(req), siteName, setup }));
    } catch (error) {
      next(error);
    }
  });

  router.post('/user/security/recovery-codes/confirm', requireRecentMfa(plugin), async (req, res, next) => {
    try {
      const user = await currentUser(req, res);
      if (!user) return;
      try {
        await plugin.enrolment.confirmSetup(user, 'recovery_codes', { setupId: req.body?.setupId }, { actor: user.username, ip: await auditIp(plugin, req) });
        req.session.mfaFlash = 'Your new recovery codes are ready. Any older codes no longer work.';
      } catch (error) {
        if (!isMfaError(error)) throw error;
        req.session.mfaFlash = error.message;
      }
      await saveSession(req);
      res.redirect(303, '/user/security');
    } catch (error) {
      next(error);
    }
  });

  return router;
}
