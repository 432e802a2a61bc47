import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { describeBrowser } from '../../../plugin/net/describeBrowser.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { TRUSTED_DEVICE_COOKIE } from './requestFacts.ts';
import { regenerateSession } from './webSession.ts';

export interface CompleteMfaOptions {
  trustDevice: boolean;
  /** Where to land when the user asked for nothing in particular. */
  homePath: string;
  secureCookies: boolean;
  /** Land here instead, with this message (after a recovery code: the security page, with the codes left). */
  landing?: { path: string; flash: string };
}

/**
 * The attempt passed: a new session id (the one that carried the pending state is
 * dropped), the session marked as MFA-passed, the browser trusted if the user asked,
 * and on to the page first asked for.
 */
export interface PassedLogin {
  userId: string;
  /** The client address the attempt saw, for the trusted-device record. */
  ip: string | null;
}

export async function completeMfa(plugin: MfaPlugin, req: Request, res: Response, login: PassedLogin, options: CompleteMfaOptions): Promise<void> {
  const returnTo = options.landing?.path ?? safeReturnPath(req.session.mfa?.returnTo) ?? options.homePath;
  const { userId, ip } = login;
  await regenerateSession(req, { userId, mfa: { state: 'passed', passedAt: plugin.now() }, ...(options.landing ? { mfaFlash: options.landing.flash } : {}) });
  if (options.trustDevice) {
    const settings = await plugin.settings.snapshot();
    if (settings.boolean('factor.trusted_device.enabled')) {
      const hours = settings.integer('factor.trusted_device.expiry_hours');
      const userAgent = req.get('user-agent') ?? null;
      const { token } = await plugin.trustedDevices.trust(userId, { hours, label: describeBrowser(userAgent), ip, userAgent });
      await plugin.audit.record({ event: 'trusted_device_added', userId, factor: 'trusted_device', door: 'web', ip, detail: { hours } });
      res.cookie(TRUSTED_DEVICE_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, maxAge: hours * 3600_000, path: '/' });
    }
  }
  res.redirect(303, returnTo);
}

export { describeBrowser };
