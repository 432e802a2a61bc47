/**
 * HMAC-SHA-256 under one purpose's subkey, for values the server must recognise but never
 * store in the clear: short codes, recovery codes, sign-in fingerprints, WebAuthn user
 * handles. A message is a list of parts joined by NUL, the byte layout mfa-bridge used
 * before subkeys existed, so values made then (under the raw MFA_SECRET_KEY) still check.
 */
export interface KeyedHash {
  /** The digest under the current key, tagged with that key's id: `<key id>.<64 hex>`. */
  digest(parts: readonly string[]): string;
  /**
   * Whether `stored` is the digest of `parts` under any accepted key: a tagged digest under
   * the key it names (current or old), an untagged one (made before subkeys) under any raw
   * master key. Constant time in the digest.
   */
  matches(stored: string, parts: readonly string[]): boolean;
  /**
   * Every untagged digest `parts` may be stored under, the current key's first: for values
   * that are looked up by equality (a column of fixed width), which cannot say their key.
   * The caller stores the first and replaces a match on a later one with it.
   */
  lookupDigests(parts: readonly string[]): string[];
  /** 32 raw bytes under the current key: an opaque identifier (a WebAuthn user handle). */
  bytes(parts: readonly string[]): Buffer;
}

/**
 * Encrypts the secret a factor keeps in a user's record (`FactorRecord.data.secret`) at rest
 * (AES-256-GCM under a subkey of MFA_SECRET_KEY), bound to the factor and the user, so a
 * sealed value moved to another user's row does not open, and `keys rotate` can re-seal
 * any factor's secrets without knowing the factor.
 */
export interface RecordSecrets {
  seal(userId: string, plaintext: string): string;
  /** The plaintext, under the current key or an old one (MFA_OLD_SECRET_KEYS). */
  open(userId: string, sealed: string): string;
}
