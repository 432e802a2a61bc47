import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a bridge client signs a request (docs/bridge-protocol.md, "Signing a request"):
 * HMAC-SHA-256 over the method, the path as sent, the timestamp, the nonce and the body's
 * SHA-256, under a signing key derived from the client's secret. The Java provider
 * (keycloak) signs the same way; test/bridge/bridgeSignature.test.ts pins a vector both use
 * (docs/bridge-protocol.md, "Test vector").
 */

/** The `data` of HMAC(key = secret, data) that turns a client's secret into its signing key. */
export const SIGNING_KEY_LABEL = 'mfa-bridge/bridge-request/v1';

/** The signature header's scheme prefix: `X-Bridge-Signature: v1=<hex>`. */
export const SIGNATURE_SCHEME = 'v1=';

export interface SignedParts {
  method: string;
  /** The request's path as sent, query included (`/bridge/v1/attempts/abc/verify`). */
  path: string;
  /** Epoch milliseconds, as sent in X-Bridge-Timestamp. */
  timestamp: string;
  nonce: string;
  /** The raw body bytes (empty for a GET). */
  body: Buffer | string;
}

/** The key a client signs with, from its secret (the server keeps this, sealed; never the secret). */
export function signingKeyFromSecret(secret: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(SIGNING_KEY_LABEL, 'utf8').digest();
}

/** The text that is signed: five lines, the last the body's SHA-256 in lowercase hex. */
export function canonicalRequest(parts: SignedParts): string {
  const bodyHash = createHash('sha256').update(parts.body).digest('hex');
  return [parts.method.toUpperCase(), parts.path, parts.timestamp, parts.nonce, bodyHash].join('\n');
}

/** The X-Bridge-Signature value for a request. */
export function signRequest(signingKey: Buffer, parts: SignedParts): string {
  return SIGNATURE_SCHEME + createHmac('sha256', signingKey).update(canonicalRequest(parts), 'utf8').digest('hex');
}

/** Whether `header` is the signature of `parts` under `signingKey`, compared in constant time. */
export function signatureMatches(signingKey: Buffer, parts: SignedParts, header: string): boolean {
  const expected = Buffer.from(signRequest(signingKey, parts), 'utf8');
  const given = Buffer.from(header, 'utf8');
  // timingSafeEqual needs equal lengths; a length that differs says nothing about the key.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
