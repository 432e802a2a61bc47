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
