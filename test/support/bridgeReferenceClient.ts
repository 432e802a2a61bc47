import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';

/**
 * A bridge client written from docs/bridge-protocol.md alone (it imports nothing of the
 * server's signing code), as the Keycloak provider is: if the two drift, the tests fail.
 */
export interface BridgeCredentials {
  clientId: string;
  secret: string;
}

export interface SignedCall {
  method: 'GET' | 'POST';
  path: string;
  /** Sent exactly as this text; an object is serialised once, here. */
  body?: string | object;
  /** Overrides for refusal tests: another timestamp, nonce or signature. */
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

export function referenceSignature(secret: string, parts: { method: string; path: string; timestamp: string; nonce: string; body: string }): string {
  const signingKey = createHmac('sha256', secret).update('mfa-bridge/bridge-request/v1').digest();
  const bodyHash = createHash('sha256').update(parts.body, 'utf8').digest('hex');
  const canonical = `${parts.method}\n${parts.path}\n${parts.timestamp}\n${parts.nonce}\n${bodyHash}`;
  return `v1=${createHmac('sha256', signingKey).update(canonical, 'utf8').digest('hex')}`;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Signed requests to the bridge of `app`, on the given clock (the site's). */
export function bridgeClientOn(app: Express, credentials: BridgeCredentials, now: () => number) {
  function request(call: SignedCall): { test: supertest.Test; headers: Record<string, string>; body: string } {
    const body = call.body === undefined ? '' : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    const timestamp = call.timestamp ?? String(now());
    const nonce = call.nonce ?? newNonce();
    const signature = call.signature ?? referenceSignature(credentials.secret, { method: call.method, path: call.path, timestamp, nonce, body });
    const headers = { 'X-Bridge-Client': credentials.clientId, 'X-Bridge-Timestamp': timestamp, 'X-Bridge-Nonce': nonce, 'X-Bridge-Signature': signature };
    const agent = supertest(app);
    const test = (call.method === 'GET' ? agent.get(call.path) : agent.post(call.path)).set(headers);
    if (body !== '') test.set('Content-Type', 'application/json').send(body);
    return { test, headers, body };
  }
  return {
    request,
    call: (call: SignedCall) => request(call).test,
    post: (path: string, body: object) => request({ method: 'POST', path, body }).test,
    get: (path: string) => request({ method: 'GET', path }).test,
  };
}
