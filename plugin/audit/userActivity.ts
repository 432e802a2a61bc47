import type { AuditEventName, AuditLog, AuditRecord } from './auditLog.ts';

/**
 * The audit events a user is shown as their own recent activity. Left out: the
 * opening of every attempt (one per password login: noise beside its pass or fail)
 * site-wide settings changes (not about them), and identity token uses (a sync client
 * would fill the list hourly; each token's last use is shown beside it instead).
 */
export const USER_ACTIVITY_EVENTS: readonly AuditEventName[] = [
  'mfa_passed',
  'mfa_failed',
  'factor_failed',
  'factor_locked',
  'factor_unlocked',
  'factor_added',
  'factor_removed',
  'factor_renamed',
  'factor_reset',
  'totp_code_reused',
  'trusted_device_added',
  'trusted_device_revoked',
  'recovery_code_used',
  'not_me_reported',
  'webauthn_counter_regressed',
  'identity_token_created',
  'identity_token_revoked',
  'service_token_issued',
  'service_token_revoked',
  'api_session_created',
  'sessions_ended',
];

/** How many events the security page shows: enough for a few days of logins, short enough to read. */
export const USER_ACTIVITY_LIMIT = 20;

/** The user's latest MFA events, newest first. */
export function recentUserActivity(audit: AuditLog, userId: string, limit = USER_ACTIVITY_LIMIT): Promise<AuditRecord[]> {
  return audit.recent({ userId, events: USER_ACTIVITY_EVENTS, limit });
}
