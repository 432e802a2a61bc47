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
  now(): number;
}

/**
 * The one rule every door applies before a security change: it may go ahead when MFA
 * is not enforced at that door, when the caller passed MFA within `recent_pass_minutes`,
 * or when the user has no factor to verify with (asking for one they do not have would
 * lock them out of setting up their first). Otherwise the answer is the window, in
 * minutes, within which they must pass MFA again.
 */
export async function recentPassRequired(deps: RecentPassDependencies, user: HostUser, passedAt: number | null | undefined, door: Door): Promise<{ minutes: number } | null> {
  const settings = await deps.settings.snapshot();
  if (!deps.engine.enforcedAt(door, settings)) return null;
  const minutes = settings.integer('recent_pass_minutes');
  if (isRecentMfaPass({ passedAt, now: deps.now(), minutes })) return null;
  if (!(await deps.enrolment.hasInputFactor(user))) return null;
  return { minutes };
}
