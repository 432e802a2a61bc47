import type { AuditLog } from '../audit/auditLog.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { Door } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';
import type { FactorEnrolment } from './factorEnrolment.ts';
import type { MfaEngine } from './mfaEngine.ts';

/**
 * Whether a session's MFA pass is recent enough for a security change (adding or
 * removing a factor, new recovery codes, an identity token). A stolen session that
 * is hours old must not be able to add the thief's own authenticator: the change
 * needs the second factor again (NIST SP 800-63B §4.2: re-authentication before
 * changing an authenticator binding).
 *
 * @example
 * isRecentMfaPass({ passedAt: session.mfa.passedAt, now: Date.now(), minutes: settings.integer('recent_pass_minutes') })
 */
export function isRecentMfaPass(options: { passedAt: number | null | undefined; now: number; minutes: number }): boolean {
  const { passedAt, now, minutes } = options;
  if (typeof passedAt !== 'number' || !Number.isFinite(passedAt)) return false;
  // A pass "from the future" (clocks stepped back between instances) is no proof of recency.
  if (passedAt > now) return false;
  return now - passedAt < minutes * 60_000;
}

/**
 * The MFA pass time a door records on what a login opens (a web session, an API
 * session): the moment it spent a passed attempt, or null when MFA asked nothing of the
 * login (switched off, or not enforced at that door). A login MFA never checked proves
 * no second factor, so it must not count as a recent pass once MFA is back on: every
 * door records it this way, and `recentPassRequired` then asks for the factor.
 *
 * @example
 * session.mfaPassedAt = loginPassTime({ mfaChecked: opened.outcome !== 'not_required', now: Date.now() })
 */
export function loginPassTime(options: { mfaChecked: boolean; now: number }): number | null {
  return options.mfaChecked ? options.now : null;
}

/** What the recent-pass rule reads: an MfaPlugin has all of it. */
export interface RecentPassDependencies {
  settings: Pick<SettingsStore, 'snapshot'>;
  engine: Pick<MfaEngine, 'enforcedAt'>;
  enrolment: Pick<FactorEnrolment, 'hasInputFactor'>;
  audit: Pick<AuditLog, 'recent'>;
  now(): number;
}

/** What the caller proved and when. */
export interface RecentPassEvidence {
  /** When this session last passed MFA; null or undefined when it never did. */
  passedAt: number | null | undefined;
  /** When the password login that began this session happened (plugin clock); null when not known. */
  loggedInAt: number | null | undefined;
}

/** The rule's answer when the change may not go ahead yet. */
export interface RecentPassNeeded {
  minutes: number;
  /**
   * True when no second factor can help: the user has none left after an admin reset
   * made after this session began. Only a new password login may set up their first
   * factor then, so a stale or stolen session cannot enrol its own authenticator.
   */
  loginAgain: boolean;
}

/**
 * The one rule every door applies before a security change: it may go ahead when MFA
 * is not enforced at that door, when the caller passed MFA within `recent_pass_minutes`,
 * or when the user has no factor to verify with (asking for one they do not have would
 * lock them out of setting up their first) and this session began after the user's last
 * admin reset (issue 11, finding 2: a session from before the reset may be the thief's).
 * Otherwise the answer says what they must do: pass MFA again within `minutes`, or log in again.
 */
export async function recentPassRequired(deps: RecentPassDependencies, user: HostUser, evidence: RecentPassEvidence, door: Door): Promise<RecentPassNeeded | null> {
  const settings = await deps.settings.snapshot();
  if (!deps.engine.enforcedAt(door, settings)) return null;
  const minutes = settings.integer('recent_pass_minutes');
  const [lastReset] = await deps.audit.recent({ userId: user.id, event: 'factor_reset', limit: 1 });
  // A time at or before the reset proves nothing: that pass used factors the admin has just taken away.
  const afterReset = (at: number | null | undefined) => typeof at === 'number' && Number.isFinite(at) && (!lastReset || at > lastReset.at);
  if (afterReset(evidence.passedAt) && isRecentMfaPass({ passedAt: evidence.passedAt, now: deps.now(), minutes })) return null;
  if (await deps.enrolment.hasInputFactor(user)) return { minutes, loginAgain: false };
  if (!lastReset || afterReset(evidence.loggedInAt)) return null;
  return { minutes, loginAgain: true };
}
