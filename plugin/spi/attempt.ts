/** A login attempt as factors see it, and what the request at hand tells of the client. */

/** Moodle tool_mfa's factor states. */
export type FactorState = 'pass' | 'fail' | 'neutral' | 'unknown' | 'locked';

export type Door = 'web' | 'token' | 'api';

/** What a factor may read of the attempt it is verifying against. */
export interface AttemptView {
  id: string;
  userId: string;
  door: Door;
  createdAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

/** Facts of the request at hand, for factors that decide without input. */
export interface RequestFacts {
  ip: string | null;
  userAgent: string | null;
  /**
   * What the client kept from an earlier pass and sent back (a browser's cookies), by the
   * names factors declare in `clientCredentials`: a trusted device's token.
   */
  credentials?: Readonly<Record<string, string>>;
}

/**
 * Something a factor hands the client to keep after a pass and send back on a later login
 * (the door makes it a cookie): a trusted device's token. `name` is one of the factor's
 * `clientCredentials`.
 */
export interface ClientCredential {
  name: string;
  value: string;
  maxAgeMs: number;
}
