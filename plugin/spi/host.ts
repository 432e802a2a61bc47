/**
 * The Host contract: what a platform provides so the plugin can drop into its
 * login. The LMS reference site implements it over its own tables
 * (lms/lmsHost.ts); another platform implements it over its own.
 */

/** A user as the host knows them. `id` is opaque to the plugin. */
export interface HostUser {
  id: string;
  username: string;
  email: string;
  suspended: boolean;
  isAdmin: boolean;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface ServiceToken {
  token: string;
  privatetoken: string;
}

/** A token the host issued for an external service (login/token.php), as its owner sees it: never the token. */
export interface ServiceTokenRecord {
  id: string;
  /** The service's name, e.g. "Moodle mobile app". */
  service: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface Host {
  findUserById(id: string): Promise<HostUser | null>;
  findUserByUsername(username: string): Promise<HostUser | null>;
  /** Users whose username or email contains `text`, for the admin pages; without it, admins find users by exact username. */
  searchUsers?(text: string, limit: number): Promise<HostUser[]>;
  /** The user when the password is right and the account may log in, else null. */
  checkPassword(username: string, password: string): Promise<HostUser | null>;
  /** Issues a token for an external service (Moodle's login/token.php). */
  issueServiceToken(user: HostUser, serviceShortname: string): Promise<ServiceToken>;
  /** The user's live service tokens, so they can be listed beside identity tokens; without it, none are shown. */
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
  sendMail(message: MailMessage): Promise<void>;
  siteName(): string;
  /** The site's origin, e.g. `https://lms.example.edu` (no trailing slash). */
  siteOrigin(): string;
}
