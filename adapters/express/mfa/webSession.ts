import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import type {} from 'express-session';

/** What the web door keeps in the session about MFA. */
export interface MfaSessionMarker {
  /** `pending`: the password passed, MFA has not; `passed`: the user may use the site. */
  state: 'pending' | 'passed';
  attemptId?: string;
  /** Where the user wanted to go (a same-origin path). */
  returnTo?: string;
  passedAt?: number;
  /** Setup is required and the user has nothing set up: only the enrolment pages are open. */
  setupRequired?: boolean;
}

declare module 'express-session' {
  interface SessionData {
    mfa?: MfaSessionMarker;
    /** A one-time message for the next MFA page (e.g. "Authenticator app added"). */
    mfaFlash?: string;
  }
}

/**
 * A new session id for the same user, keeping only what is named: after each
 * authentication step the old id (which may have been seen or planted) is worthless.
 */
export function regenerateSession(req: Request, keep: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => {
      if (error) return reject(error);
      Object.assign(req.session, keep);
      req.session.save((saveError) => (saveError ? reject(saveError) : resolve()));
    });
  });
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

export function sessionUserId(req: Request): string | undefined {
  return (req.session as { userId?: string } | undefined)?.userId;
}

/** The host's user behind this session, or null when nobody is logged in (or the account is gone). */
export async function sessionHostUser(plugin: MfaPlugin, req: Request): Promise<HostUser | null> {
  const userId = sessionUserId(req);
  return userId ? plugin.registry.host.findUserById(userId) : null;
}
