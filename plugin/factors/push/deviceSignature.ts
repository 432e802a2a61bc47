import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import type { KeyedHash } from '../../crypto/keyedHash.ts';
import type { PublicKeyJwk } from './pushRecords.ts';

/**
 * What a phone signs, and how the server checks it. The phone's key is a non-extractable
 * ECDSA P-256 key made by WebCrypto; WebCrypto signs with SHA-256 and gives the signature
 * as r||s (IEEE P1363, 64 bytes), not DER, hence `dsaEncoding: 'ieee-p1363'`.
 *
 * Each message starts with its purpose and a version, so a signature made for one purpose
 * (reading the pending pushes) can never stand for another (approving a login).
 */
export type SignedPurpose = 'pair' | 'read' | 'answer';

/** A JSON array of strings: unambiguous whatever the fields hold (a device name may have any character), and the same in every browser. */
export function canonicalMessage(purpose: SignedPurpose, fields: readonly string[]): string {
  return JSON.stringify([`mfa-bridge push ${purpose} v1`, ...fields]);
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** A P-256 public JWK, nothing else (no private part, no other curve). */
export const publicKeyJwkSchema = z
  .object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: base64url.length(43), y: base64url.length(43) })
  .strip();

export const signatureSchema = base64url.length(86, 'The signature must be 64 bytes (r||s), base64url.');

/** The key as node:crypto uses it, or null when the point is not on the curve. */
export function importPublicKey(jwk: PublicKeyJwk): KeyObject | null {
  try {
    return createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    return null;
  }
}

export function verifyDeviceSignature(jwk: PublicKeyJwk, message: string, signature: string): boolean {
  const key = importPublicKey(jwk);
  if (!key) return false;
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * A server nonce for a phone's signed read: `<server time>.<keyed hash of it>`. Stateless
 * (any app instance checks it, under the push factor's own subkey, old keys included while
 * they are kept) and good for `READ_NONCE_MS`, so a phone's clock does not matter and a
 * signature seen once is worthless a minute later. Reads only show what the phone may see
 * anyway; answers are single-use through the attempt's state.
 */
export const READ_NONCE_MS = 60_000;
/** App instances' clocks may differ a little. */
const CLOCK_SLACK_MS = 5_000;
export const READ_NONCE_PURPOSE = 'push/read-nonce';

export function issueReadNonce(nonces: KeyedHash, now: number): string {
  return `${now}.${nonces.digest([String(now)])}`;
}

export function readNonceIsFresh(nonces: KeyedHash, nonce: string, now: number): boolean {
  const match = /^([0-9]{1,16})\.([A-Za-z0-9_.-]{1,120})$/.exec(nonce);
  if (!match) return false;
  const issuedAt = Number(match[1]);
  if (!nonces.matches(match[2] ?? '', [String(issuedAt)])) return false;
  return issuedAt <= now + CLOCK_SLACK_MS && now - issuedAt <= READ_NONCE_MS;
}
