import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { LoginStep } from '../../../plugin/login/loginStep.ts';
import { safeReturnPath } from '../safeReturnPath.ts';
import { regenerateSession } from '../webSession.ts';

export interface CompleteMfaOptions {
  /** Where to land when the user asked for nothing in particular. */
  homePath: string;
  secureCookies: boolean;
}

/** Where a login's factor landing sends the user (`place`), on this door's pages. */
const PLACES: Record<NonNullable<Extract<LoginStep, { kind: 'passed' }>['landing']>['place'], string> = { security: '/user/security' };

/**
 * Whether the session's login was made for a particular page (the mobile app's browser
 * sign-in, a deep link): the engine then gives no landing page in between, which would
 * strand the user and keep the app from its token.
 */
export function loginMadeForPage(req: Request, homePath: string): boolean {
  const asked = safeReturnPath(req.session.mfa?.returnTo);
  return asked !== null && asked !== homePath;
}

/**
 * The login passed and was spent for this request (login.answer / status / start said so):
 * a new session id (the one that carried the pending state is dropped), the session marked
 * as MFA-passed, what the factors hand the browser to keep set as cookies (a trusted
 * browser's token), and on to the factor's landing or the page first asked for. A login MFA
 * asked nothing of (`not_required`) records no pass time.
 */
export async function completeMfa(plugin: MfaPlugin, req: Request, res: Response, step: Extract<LoginStep, { kind: 'passed' | 'not_required' }>, options: CompleteMfaOptions): Promise<void> {
  const asked = safeReturnPath(req.session.mfa?.returnTo);
  const landing = step.kind === 'passed' ? step.landing : null;
  const returnTo = landing ? PLACES[landing.place] : (asked ?? options.homePath);
  const passedAt = step.kind === 'passed' ? step.passedAt : null;
  const loginAt = req.session.mfa?.loginAt;
  await regenerateSession(req, { userId: step.user.id, mfa: { state: 'passed', passedAt, passedFor: returnTo, loginAt }, ...(landing ? { mfaFlash: landing.message } : {}) });
  for (const credential of step.kind === 'passed' ? step.keep : []) {
    res.cookie(credential.name, credential.value, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, maxAge: credential.maxAgeMs, path: '/' });
  }
  res.redirect(303, returnTo);
}
