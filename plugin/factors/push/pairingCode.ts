import { randomInt } from 'node:crypto';
import type { KeyedHash } from '../../crypto/keyedHash.ts';

/**
 * The code a phone shows once it opened a pairing link, and the owner types on the computer
 * that began the pairing. The link alone says only "someone has the QR code"; the code says
 * "the person at this computer sees this phone": a phone that opened a photographed or
 * overheard link first cannot be paired without its screen being read to the owner.
 */
export const PAIRING_CODE_DIGITS = 6;

/**
 * Wrong codes one pairing survives before it is void (the phone's key with it) and pairing
 * must begin again. Only the owner's session can type (set-up needs a recent MFA pass and
 * CSRF), so this bounds a guesser holding a stolen session to 3 in 10^6.
 */
export const PAIRING_CODE_TRIES = 3;

/** How long the code works once the phone shows it: enough to read six digits off a phone. */
export const PAIRING_CODE_TTL_MS = 5 * 60_000;

/** Codes are kept only as a keyed hash under this purpose (FactorContext.keyedHash), bound to their pairing. */
export const PAIRING_CODE_PURPOSE = 'push/pairing-code';

/**
 * A code from the operating system's CSPRNG (`randomInt` draws without modulo bias: each of
 * the 10^6 codes is equally likely; NIST SP 800-63B §5.1.3.1).
 */
export function drawPairingCode(): string {
  return String(randomInt(0, 10 ** PAIRING_CODE_DIGITS)).padStart(PAIRING_CODE_DIGITS, '0');
}

/** `123 456`: how the phone shows it, in two groups a person reads and types without losing their place. */
export function groupPairingCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** The digits typed, spaces and dashes dropped; null when it cannot be a code. */
export function normalizePairingCode(typed: unknown): string | null {
  if (typeof typed !== 'string') return null;
  const code = typed.replace(/[\s-]+/g, '');
  return new RegExp(`^[0-9]{${PAIRING_CODE_DIGITS}}$`).test(code) ? code : null;
}

function parts(recordId: number, code: string): string[] {
  return [`push-pairing:${recordId}`, code];
}

export function hashPairingCode(codes: KeyedHash, recordId: number, code: string): string {
  return codes.digest(parts(recordId, code));
}

/** Constant time in the digest (KeyedHash.matches). */
export function pairingCodeMatches(codes: KeyedHash, stored: string, recordId: number, typed: string): boolean {
  return codes.matches(stored, parts(recordId, typed));
}
