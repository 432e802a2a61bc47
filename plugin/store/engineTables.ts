/**
 * The tables the plugin's own migrations make (plugin/store/migrations) and its migration
 * records: a factor never declares or opens one of these (FactorContext.ownTables).
 */
export const ENGINE_TABLES: ReadonlySet<string> = new Set([
  'mfa_settings',
  'mfa_audit_log',
  'mfa_attempts',
  'mfa_attempt_factors',
  'mfa_user_factors',
  'mfa_factor_failures',
  'mfa_identity_tokens',
  'mfa_api_sessions',
  'mfa_known_sign_ins',
  'mfa_rate_limits',
  'mfa_password_guesses',
  'mfa_migrations',
  'mfa_migrations_lock',
  'mfa_factor_migrations',
  'mfa_factor_migrations_lock',
]);
