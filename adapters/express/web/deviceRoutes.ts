import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { factorView } from '../../../web/pages/mfa/factorView.ts';
import type { RenameError } from '../../../web/pages/mfa/securityPage.ts';
import { factoryById } from '../factorViews.ts';
import { answerRecentPassRefusal, sessionCaller } from './recentMfa.ts';
import { userRoute } from '../webSession.ts';

export interface DeviceRoutesOptions {
  plugin: MfaPlugin;
  loginPath: string;
  showSecurityPage(req: Request, res: Response, user: HostUser, status?: number, error?: string, renameError?: RenameError): Promise<void>;
}

/** Renaming and removing the user's own devices, of any factor, in that factor's words. */
export function deviceRoutes(options: DeviceRoutesOptions): Router {
  const { plugin, showSecurityPage } = options;
  const router = Router();
  const signIn = { loginPath: options.loginPath, returnTo: '/user/security' };

  /** A new name for one of the user's own devices (any factor whose provider can rename). */
  router.post('/user/security/devices/rename', userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const factor = typeof req.body?.factor === 'string' ? req.body.factor : '';
    const id = Number(req.body?.id);
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    try {
      const name = await plugin.account.rename(await sessionCaller(plugin, req, user), factor, id, label);
      req.session.mfaFlash = `Renamed to “${name}”.`;
    } catch (error) {
      if (isMfaError(error, 'INVALID_INPUT')) return await showSecurityPage(req, res, user, 400, undefined, { factor, id, message: error.message, value: label });
      if (isMfaError(error)) return await showSecurityPage(req, res, user, error.code === 'NOT_FOUND' ? 404 : 400, error.message);
      throw error;
    }
    res.redirect(303, '/user/security');
  }));

  // Removing what only gives access up (a trusted browser) never waits for a recent pass: plugin.account decides.
  router.post('/user/security/devices/remove', userRoute(plugin, signIn, async (req, res, user) => {
    if (req.session.mfa?.state !== 'passed') return res.redirect(303, '/mfa');
    const factory = factoryById(plugin, req.body?.factor);
    const id = Number(req.body?.id);
    if (!factory || !Number.isInteger(id)) return await showSecurityPage(req, res, user, 400, 'Choose a device to remove from the list.');
    try {
      await plugin.account.remove(await sessionCaller(plugin, req, user), factory.id, id);
    } catch (error) {
      if (await answerRecentPassRefusal(req, res, user, error)) return;
      if (isMfaError(error)) return await showSecurityPage(req, res, user, error.code === 'NOT_FOUND' ? 404 : 400, error.message);
      throw error;
    }
    req.session.mfaFlash = factorView(factory).copy.removedMessage;
    res.redirect(303, '/user/security');
  }));

  return router;
}
