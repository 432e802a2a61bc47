import { randomBytes } from 'node:crypto';
import type { KeyedHash } from '../../crypto/keyedHash.ts';
import { randomToken } from '../../crypto/tokens.ts';

/** How many codes a set holds (what GitHub, Google and Moodle's factor_backup offer). */
export const RECOVERY_CODES_PER_SET = 10;

/**
 * 80 bits per code (10 random bytes as 16 base32 characters): above the 64
 * and far beyond what online guessing under the lockout could reach.
 */
const CODE_BYTES = 10;

/** RFC 4648 base32, lower case: no 0/1/8/9, so nothing to mistake for O, I, l or B. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A new code as the user sees it: `xxxx-xxxx-xxxx-xxxx`. */
export function generateRecoveryCode(): string {
  return base32(randomBytes(CODE_BYTES)).match(/.{4}/g)?.join('-') ?? '';
}

/** What the user typed, reduced to the 16 characters that matter (case, spaces and dashes ignored); null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]+/g, '');
  return /^[a-z2-7]{16}$/.test(code) ? code : null;
}

export interface HashedRecoveryCode {
  salt: string;
  hash: string;
}

/**
 * A salted HMAC-SHA-256 under the recovery codes' own subkey (RECOVERY_CODE_PURPOSE), not scrypt. NIST SP 800-63B §5.1.2.2 asks
 * for a slow KDF only for look-up secrets under 112 bits; ours have 80, but:
 * - an offline search of 2^80 HMACs per code is out of reach even with the key, and
 *   without the key (a database dump alone) there is nothing to search at all;
 * - the per-code salt stops one computation from testing many codes or users;
 * - a login must test every unused code (up to 10): ten scrypt runs per guess would make
 *   each wrong guess cost the server half a second, a denial-of-service lever.
 */
export function hashRecoveryCode(normalized: string, codes: KeyedHash, salt: string = randomToken(16)): HashedRecoveryCode {
  return { salt, hash: codes.digest([`recovery:${salt}`, normalized]) };
}

/**
 * Checks a typed code against a stored hash. A code cannot be re-hashed under a new key
 * (only its hash is kept, and using it spends it), so a hash made under an old key (or
 * before subkeys) is checked under that key for as long as it is configured: the codes
 * keep working through a rotation until the user makes a new set (SECURITY.md, "Keys").
 */
export function recoveryCodeMatches(normalized: string, stored: HashedRecoveryCode, codes: KeyedHash): boolean {
  return codes.matches(stored.hash, [`recovery:${stored.salt}`, normalized]);
}

/** The purpose recovery codes are hashed under (FactorContext.keyedHash). */
export const RECOVERY_CODE_PURPOSE = 'recovery-codes/code';
