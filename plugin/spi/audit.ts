/** Every MFA event that is written to the audit table and offered to subscribers. */
export type AuditEventName =
  | 'settings_changed'
  | 'expired_purged'
  | 'attempt_opened'
  | 'mfa_passed'
  | 'mfa_failed'
  | 'factor_failed'
  | 'factor_locked'
  | 'factor_unlocked'
  | 'password_throttle_cleared'
  | 'factor_added'
  | 'factor_removed'
  | 'factor_renamed'
  | 'factor_reset'
  | 'totp_code_reused'
  | 'trusted_device_added'
  | 'trusted_device_revoked'
  | 'recovery_code_used'
  | 'identity_token_created'
  | 'identity_token_used'
  | 'identity_token_revoked'
  | 'service_token_issued'
  | 'service_token_revoked'
  | 'api_session_created'
  | 'sessions_ended'
  | 'not_me_reported'
  | 'webauthn_counter_regressed'
  /** `mfa-bridge keys rotate` re-encrypted the secrets at rest (counts in detail). */
  | 'keys_rotated'
  /** A bridge API client (a platform such as Keycloak) was created or revoked (its id; never its secret). */
  | 'bridge_client_added'
  | 'bridge_client_revoked'
  /** A bridge client's token door policy was changed (from, to). */
  | 'bridge_client_changed'
  /** A signed call to /bridge/v1, with the client id as actor. */
  | 'bridge_call'
  /** A call to /bridge/v1 refused before it ran: bad signature, stale, replayed, unknown or revoked client. */
  | 'bridge_refused';

export interface AuditEntry {
  event: AuditEventName;
  /** The user the event is about. */
  userId?: string | null;
  /** Who caused it: a username, `cli`, `system`. */
  actor?: string | null;
  factor?: string | null;
  door?: string | null;
  ip?: string | null;
  /** Extra facts; never a secret, code or token. */
  detail?: Record<string, unknown>;
}

/** Where a factor writes its events (its own, such as `recovery_code_used`, and the engine's). */
export interface AuditTrail {
  record(entry: AuditEntry): Promise<unknown>;
}
