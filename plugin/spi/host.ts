/**
 * The Host contract: what a platform provides so the plugin can drop into its login. The
 * LMS reference site implements it over its own tables (lms/lmsHost.ts); a Passport app
 * over its own (docs/add-to-your-app.md, "The Host contract", lists every member; a test
 * holds that list to this file).
 */

/** A user as the host knows them. `id` is opaque to the plugin: your own key, as text. */
export interface HostUser {
  /** Your key for the user, as text (a number becomes `String(row.id)`). The plugin stores it beside their factors. */
  id: string;
  /** What the user logs in with; shown on the admin pages and in mails. */
  username: string;
  /** Where email codes and security mails go; empty when the user has none (email codes are then not offered). */
  email: string;
  /** A suspended user cannot log in or set anything up. */
  suspended: boolean;
  /** Administrators: the plugin's admin pages let them in. */
  isAdmin: boolean;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** A token the host issued for an external service (login/token.php), as its owner sees it: never the token. */
export interface ServiceTokenRecord {
  id: string;
  /** The service's name, e.g. "Moodle mobile app". */
  service: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/**
 * What your app tells the plugin about its users. Six members are required; the optional
 * ones add features (admin search, the user's app tokens, ending sessions, your own user
 * object at login) and the plugin works without them. The plugin never reads your tables.
 */
export interface Host {
  /** The user with your key `id` (as text), or null when there is none. */
  findUserById(id: string): Promise<HostUser | null>;
  /** The user who logs in with `username` (exact), or null: the admin command line and the JSON API find users so. */
  findUserByUsername(username: string): Promise<HostUser | null>;
  /** Users whose username or email contains `text`, for the admin pages; without it, admins find users by exact username. */
  searchUsers?(text: string, limit: number): Promise<HostUser[]>;
  /**
   * The user when the password is right and the account may log in, else null. The plugin's
   * own password doors call it (the JSON API, `mfa.passwordLogins`), behind its
   * password-guessing throttle; a Passport app's login keeps its own password strategy.
   */
  checkPassword(username: string, password: string): Promise<HostUser | null>;
  /**
   * The user's live tokens for external services (a host with a token endpoint, such as
   * Moodle's login/token.php), so the security page lists them and an admin reset revokes
   * them; without it, none are shown. The plugin never issues such a token: your endpoint
   * does, after the token door (`createMfaTokenDoor`) says MFA lets it.
   */
  listServiceTokens?(user: HostUser): Promise<ServiceTokenRecord[]>;
  /** Revokes one of the user's service tokens at once; false when it is not theirs or already revoked. */
  revokeServiceToken?(user: HostUser, id: string): Promise<boolean>;
  /**
   * Ends the user's browser sessions at once (their next request is anonymous), all but the
   * one whose session id is `except` (the caller's own, kept by "log out everywhere").
   * Returns how many ended. The plugin calls it after an admin reset, "This wasn't me",
   * "log out everywhere" and a suspension; without it, browser sessions run until they expire.
   */
  endUserSessions?(userId: string, options?: { except?: string }): Promise<number>;
  /**
   * Your app's own user object for this user: what your Passport app logs in (`req.login`)
   * once MFA passes through an `mfa-*` strategy. Without it, the user object your password
   * strategy gave `startSecondFactor`, serialised and deserialised by your own
   * serializeUser/deserializeUser (what a Passport app already has), so most apps need nothing here.
   */
  appUser?(user: HostUser): Promise<unknown>;
  /** Sends one mail (an email code, a security notice). Throw when it could not be sent: the user is told, nothing is counted. */
  sendMail(message: MailMessage): Promise<void>;
  /** Your site's name, as users know it: in mails, on authenticator apps (the TOTP issuer) and security keys. */
  siteName(): string;
  /** The site's origin, e.g. `https://lms.example.edu` (no trailing slash): links in mails, and a security key's origin and RP ID. */
  siteOrigin(): string;
}
