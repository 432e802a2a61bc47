import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { answerFields, canonicalMessage, type PendingPush, type PublicKeyJwk, pushFactor } from '../../plugin/factors/push/index.ts';
import type { FactorContext } from '../../plugin/spi/factor.ts';
import type { FactorRouteRequest, FactorRouteResponse } from '../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../plugin/spi/host.ts';

/** Calls one of the push factor's routes as a door would: the route's own handler, the request's context. */
export async function callPushRoute(
  context: FactorContext,
  method: 'GET' | 'POST',
  path: string,
  request: Partial<Omit<FactorRouteRequest, 'context'>> = {},
): Promise<FactorRouteResponse> {
  const route = pushFactor.presentation?.routes?.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`no push route ${method} ${path}`);
  return route.handle({ context, body: request.body ?? {}, query: request.query ?? {}, user: request.user ?? null, attemptId: request.attemptId ?? null, ip: request.ip ?? '198.51.100.20', userAgent: request.userAgent ?? null });
}

export interface JsonReply {
  status: number;
  json: Record<string, unknown>;
}

export function jsonOf(response: FactorRouteResponse): JsonReply {
  if (!('json' in response)) throw new Error(`expected JSON, got ${Object.keys(response).join(',')}`);
  return { status: response.status ?? 200, json: response.json as Record<string, unknown> };
}

/**
 * A phone as the device page is one: an ECDSA P-256 key (here from node:crypto; in the
 * browser WebCrypto's, non-extractable), signing what the page signs, in the same encoding
 * (IEEE P1363 r||s, base64url).
 */
export class SoftPhone {
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicKeyJwk;
  handle = '';

  constructor(readonly name = 'Test phone') {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
  }

  sign(purpose: 'pair' | 'read' | 'answer', fields: readonly string[]): string {
    return sign('sha256', Buffer.from(canonicalMessage(purpose, fields)), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  }

  /** Opens the QR code's link and pairs (the page's POST /push/device/pair). */
  async pair(context: FactorContext, pairingUrl: string): Promise<JsonReply> {
    const pair = new URL(pairingUrl).searchParams.get('pair') ?? '';
    const reply = jsonOf(await callPushRoute(context, 'POST', '/push/device/pair', { body: { pair, name: this.name, key: this.publicJwk, signature: this.sign('pair', [pair, this.name]) } }));
    if (reply.status === 200) this.handle = String(reply.json.device);
    return reply;
  }

  /** A signed read: nonce first, as the page does. */
  async readQuery(context: FactorContext): Promise<Record<string, string>> {
    const { json } = jsonOf(await callPushRoute(context, 'GET', '/push/device/nonce'));
    const nonce = String(json.nonce);
    return { device: this.handle, nonce, signature: this.sign('read', [this.handle, nonce]) };
  }

  async pending(context: FactorContext): Promise<PendingPush[]> {
    const reply = jsonOf(await callPushRoute(context, 'GET', '/push/device/pending', { query: await this.readQuery(context) }));
    if (reply.status !== 200) throw new Error(`pending refused: ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply.json.pushes as PendingPush[];
  }

  /** The body the page posts for an answer, signed over every field. */
  answerBody(push: Pick<PendingPush, 'attemptId' | 'pushId'>, decision: 'approve' | 'deny', number: string, handle = this.handle): Record<string, string> {
    const fields = { device: handle, attemptId: push.attemptId, pushId: push.pushId, decision, number };
    return { ...fields, signature: this.sign('answer', answerFields(fields)) };
  }

  async answer(context: FactorContext, push: Pick<PendingPush, 'attemptId' | 'pushId'>, decision: 'approve' | 'deny', number = ''): Promise<JsonReply> {
    return jsonOf(await callPushRoute(context, 'POST', '/push/device/answer', { body: this.answerBody(push, decision, number) }));
  }
}

/** A number of `choices` that is not `right`. */
export function wrongNumber(choices: readonly string[], right: string): string {
  const wrong = choices.find((choice) => choice !== right);
  if (!wrong) throw new Error('no wrong number offered');
  return wrong;
}

export type { HostUser };
