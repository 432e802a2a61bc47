import { createHmac } from 'node:crypto';
import type { KeyPurpose, KeyRing, MasterKey } from './keyRing.ts';
import { constantTimeEqual } from './tokens.ts';

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

/** How a stored digest relates to the configured keys (what `keys rotate` reports). */
export type DigestKeyStatus = 'current' | 'old' | 'legacy' | 'unknown-key';

const TAGGED = /^([A-Za-z0-9_-]{8})\.([0-9a-f]{64})$/;
const UNTAGGED = /^[0-9a-f]{64}$/;

function hmac(key: Buffer, parts: readonly string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\0'), 'utf8').digest();
}

/**
 * The keyed hash for `purpose`.
 *
 * @example
 * const codes = keyedHash(keys, 'factor/email/login-code');
 * const stored = codes.digest([`login:${attemptId}`, code]);
 * codes.matches(stored, [`login:${attemptId}`, typed]); // true for the right code
 */
export function keyedHash(keys: KeyRing, purpose: KeyPurpose): KeyedHash {
  const under = (master: MasterKey, parts: readonly string[]) => hmac(keys.subkey(purpose, master), parts).toString('hex');
  return {
    digest: (parts) => `${keys.current.id}.${under(keys.current, parts)}`,
    matches(stored, parts) {
      const tagged = TAGGED.exec(stored);
      if (tagged) {
        const master = keys.find(tagged[1] ?? '');
        // A digest under a key no longer configured cannot be checked: it is as good as gone.
        return master !== undefined && constantTimeEqual(under(master, parts), tagged[2] ?? '');
      }
      if (!UNTAGGED.test(stored)) return false;
      let matched = false;
      for (const master of keys.accepted) matched = constantTimeEqual(hmac(master.key, parts).toString('hex'), stored) || matched;
      return matched;
    },
    lookupDigests: (parts) => [...keys.accepted.map((master) => under(master, parts)), ...keys.accepted.map((master) => hmac(master.key, parts).toString('hex'))],
    bytes: (parts) => hmac(keys.subkey(purpose), parts),
  };
}

/** Whether `stored` looks like a keyed digest, and if so which key it depends on; null when it is none. */
export function digestKeyStatus(keys: KeyRing, stored: string): DigestKeyStatus | null {
  const tagged = TAGGED.exec(stored);
  if (tagged) {
    if (tagged[1] === keys.current.id) return 'current';
    return keys.find(tagged[1] ?? '') ? 'old' : 'unknown-key';
  }
  return UNTAGGED.test(stored) ? 'legacy' : null;
}
