import { createHmac } from 'node:crypto';
import type { KeyPurpose, KeyRing, MasterKey } from './keyRing.ts';
import { constantTimeEqual } from './tokens.ts';

import type { KeyedHash } from '../spi/secrets.ts';

export type { KeyedHash };

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
