import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { loginPassTime } from '../../../plugin/engine/recentMfaPass.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { trustThisBrowser } from './trustThisBrowser.ts';
import { regenerateSession } from './webSession.ts';

export interface CompleteMfaOptions {
  trustDevice: boolean;
  /** Where to land when the user asked for nothing in particular. */
  homePath: string;
  /** Where a request that lost the race for the attempt is sent (with notice=expired). */
  loginPath: string;
  secureCookies: boolean;
  /**
   * Land here instead, with this message (after a recovery code: the security page, with
   * the codes left), unless the login was made for another page than `homePath`.
   */
  landing?: { path: string; flash: string };
}

export interface PassedLogin {
  userId: string;
  /**
   * The attempt that passed, spent here (engine.consume) before any session is made; null
   * when MFA asked nothing of this login (switched off).
   */
  attempt: { id: string; ip: string | null } | null;
}

/**
 * The attempt passed: it is spent, once (of requests racing on one pending session, a
 * copied cookie among them, only the one that spends it gets a session; the others are
 * logged out and sent to the login page), then a new session id (the one that carried
 * the pending state is dropped), the session marked as MFA-passed, the browser trusted
 * if the user asked, and on to the page first asked for.
 */
export async function completeMfa(plugin: MfaPlugin, req: Request, res: Response, login: PassedLogin, options: CompleteMfaOptions): Promise<void> {
  if (login.attempt && !(await plugin.engine.consume(login.attempt.id))) {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    return res.redirect(303, `${options.loginPath}?notice=expired`);
  }
  const asked = safeReturnPath(req.session.mfa?.returnTo);
  // A login made for a particular page (the mobile app's browser sign-in, a deep link) goes
  // there: a landing page in between would strand the user, and the app would never get
  // its token. Only a login that asked for nothing in particular takes the landing.
  const landing = asked !== null && asked !== options.homePath ? undefined : options.landing;
  const returnTo = landing?.path ?? asked ?? options.homePath;
  const { userId } = login;
  const ip = login.attempt?.ip ?? null;
  const passedAt = loginPassTime({ mfaChecked: login.attempt !== null, now: plugin.now() });
  const loginAt = req.session.mfa?.loginAt;
  await regenerateSession(req, { userId, mfa: { state: 'passed', passedAt, passedFor: returnTo, loginAt }, ...(landing ? { mfaFlash: landing.flash } : {}) });
  if (options.trustDevice) await trustThisBrowser(plugin, req, res, { userId, ip, secureCookies: options.secureCookies });
  res.redirect(303, returnTo);
}

