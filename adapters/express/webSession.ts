import type { NextFunction, Request, Response } from 'express';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { ChallengeView } from '../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import type {} from 'express-session';

/** What the web door keeps in the session about MFA. */
export interface MfaSessionMarker {
  /** `pending`: the password passed, MFA has not; `passed`: the user may use the site. */
  state: 'pending' | 'passed';
  attemptId?: string;
  /** Where the user wanted to go (a same-origin path); for a Passport app's "verify it's you", handed to Passport as `req.session.returnTo`. */
  returnTo?: string;
  /** When MFA was passed (see loginPassTime); null when MFA asked nothing of this login. */
  passedAt?: number | null;
  /**
   * Set when the login passes: the page that login was made for (its `returnTo`). A host
   * page can then tell "the user logged in to come here" from "the user was already
   * logged in" (Moodle's `$SESSION->justloggedin`); see takeLoginLanding.
   */
  passedFor?: string;
  /**
   * The `Host` id of the user this login is for, where the host keeps none of its own in
   * the session under `userId` (a Passport app keeps its serialised user instead).
   */
  userId?: string;
  /**
   * A Passport app's own user, serialised its own way (serializeUser): kept while MFA waits
   * and logged in once it passes, and kept with the pass, for the next "verify it's you".
   */
  appUser?: unknown;
  /** Setup is required and the user has nothing set up: only the enrolment pages are open. */
  setupRequired?: boolean;
  /**
   * When the password login that began this session happened (the plugin's clock). Kept
   * through every later step; the recent-pass rule compares it with the user's last admin
   * reset (a session from before the reset may not set up a first factor).
   */
  loginAt?: number;
}

declare module 'express-session' {
  interface SessionData {
    mfa?: MfaSessionMarker;
    /** A one-time message for the next MFA page (e.g. "Authenticator app added"). */
    mfaFlash?: string;
    /** An approval started on /mfa (prompt kind 'approval'): what its page shows while it waits (the number to match). */
    mfaChallenge?: { attemptId: string; factor: string; view: ChallengeView };
  }
}

/**
 * A new session id for the same user, keeping only what is named: after each
 * authentication step the old id (which may have been seen or planted) is worthless.
 * The host's `loggedInAt` goes along unasked: the session's absolute lifetime counts
 * from the password login, not from the last step.
 */
export function regenerateSession(req: Request, keep: Record<string, unknown>): Promise<void> {
  const loggedInAt = (req.session as { loggedInAt?: unknown }).loggedInAt;
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => {
      if (error) return reject(error);
      Object.assign(req.session, loggedInAt === undefined ? {} : { loggedInAt }, keep);
      req.session.save((saveError) => (saveError ? reject(saveError) : resolve()));
    });
  });
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/**
 * The page the login this session just completed was made for, handed out once: the
 * mark is dropped on the first call, so a reload or a later visit is not "just logged
 * in" any more. undefined when the session has not passed MFA or the mark was taken.
 */
export async function takeLoginLanding(req: Request): Promise<string | undefined> {
  const marker = req.session.mfa;
  if (marker?.state !== 'passed' || marker.passedFor === undefined) return undefined;
  const landing = marker.passedFor;
  delete marker.passedFor;
  await saveSession(req);
  return landing;
}

/** The logged-in (or half logged-in) user of this session: the host's `userId`, or the one a Passport app's login named. */
export function sessionUserId(req: Request): string | undefined {
  const session = req.session as ({ userId?: string } & Partial<{ mfa: MfaSessionMarker }>) | undefined;
  return session?.userId ?? session?.mfa?.userId;
}

const SESSION_USER = 'mfaSessionUser';

/** Keeps the session's user, just read, for the rest of this request (activeAccountOnly). */
export function rememberSessionUser(res: Response, user: HostUser): void {
  res.locals[SESSION_USER] = user;
}

/** The session's user as activeAccountOnly read it for this request (active, not suspended), if it did. */
export function checkedSessionUser(res: Response): HostUser | undefined {
  return res.locals[SESSION_USER] as HostUser | undefined;
}

/** The host's user behind this session, or null when nobody is logged in (or the account is gone or suspended). */
export async function sessionHostUser(plugin: MfaPlugin, req: Request): Promise<HostUser | null> {
  const userId = sessionUserId(req);
  if (!userId) return null;
  // Read once per request: activeAccountOnly, in front of every route, has it already.
  const checked = req.res ? checkedSessionUser(req.res) : undefined;
  const user = checked?.id === userId ? checked : await plugin.registry.host.findUserById(userId);
  return user && !user.suspended ? user : null;
}

/**
 * A route for the logged-in user of this session: the handler gets the host's user;
 * anyone else is sent to the login page (and back to `returnTo`); errors reach the
 * error handler. The security pages' routes all start this way.
 */
export function userRoute(
  plugin: MfaPlugin,
  /** `returnTo` is one of our own fixed paths, sent as it is. */
  login: { loginPath: string; returnTo: string },
  handler: (req: Request, res: Response, user: HostUser) => Promise<unknown>,
) {
  return (req: Request, res: Response, next: NextFunction) => {
    sessionHostUser(plugin, req)
      .then((user) => (user ? handler(req, res, user) : res.redirect(303, `${login.loginPath}?returnTo=${login.returnTo}`)))
      .catch(next);
  };
}
