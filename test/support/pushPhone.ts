import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
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

/** A phone's browser, as the pages that describe a phone name it ("Chrome on Android"). */
export const PHONE_USER_AGENT = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

/** The phone's requests over real HTTP: to a site listening on `origin` (fetch), or to an app in process (supertest on a loopback port). */
export interface PhoneOverHttp {
  http(method: 'GET' | 'POST', path: string, request: { body?: unknown; query?: Record<string, string> }): Promise<JsonReply>;
}

export function overHttp(target: string | Express, userAgent = PHONE_USER_AGENT): PhoneOverHttp {
  return {
    async http(method, path, { body, query }) {
      const search = query ? `?${new URLSearchParams(query).toString()}` : '';
      if (typeof target === 'string') {
        const response = await fetch(`${target}${path}${search}`, {
          method,
          headers: { Accept: 'application/json', 'User-Agent': userAgent, ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}) },
          ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
        });
        return { status: response.status, json: (await response.json()) as Record<string, unknown> };
      }
      const agent = supertest(target);
      const sent = method === 'POST' ? agent.post(path).send((body ?? {}) as object) : agent.get(`${path}${search}`);
      const response = await sent.set('Accept', 'application/json').set('User-Agent', userAgent);
      return { status: response.status, json: response.body as Record<string, unknown> };
    },
  };
}

/** How a phone reaches the site: the route's own handler as a door calls it (a factor context), or real HTTP. */
export type PhoneLine = FactorContext | PhoneOverHttp;

async function send(line: PhoneLine, method: 'GET' | 'POST', path: string, request: { body?: unknown; query?: Record<string, string> } = {}): Promise<JsonReply> {
  if ('http' in line) return line.http(method, path, request);
  return jsonOf(await callPushRoute(line, method, path, { ...request, userAgent: PHONE_USER_AGENT }));
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
  /** The code the site gave this phone to show when it opened a pairing link; the owner types it on their computer. */
  pairingCode = '';

  constructor(readonly name = 'Test phone') {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
  }

  sign(purpose: 'pair' | 'read' | 'answer', fields: readonly string[]): string {
    return sign('sha256', Buffer.from(canonicalMessage(purpose, fields)), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  }

  /** Opens the QR code's link and pairs (the page's POST /push/device/pair): the phone is then given the code to show. */
  async pair(line: PhoneLine, pairingUrl: string): Promise<JsonReply> {
    const pair = new URL(pairingUrl).searchParams.get('pair') ?? '';
    const reply = await send(line, 'POST', '/push/device/pair', { body: { pair, name: this.name, key: this.publicJwk, signature: this.sign('pair', [pair, this.name]) } });
    if (reply.status === 200) {
      this.handle = String(reply.json.device);
      this.pairingCode = String(reply.json.code ?? '');
    }
    return reply;
  }

  /** A signed read: nonce first, as the page does. */
  async readQuery(line: PhoneLine): Promise<Record<string, string>> {
    const { json } = await send(line, 'GET', '/push/device/nonce');
    const nonce = String(json.nonce);
    return { device: this.handle, nonce, signature: this.sign('read', [this.handle, nonce]) };
  }

  /** The phone's list of logins waiting for it, as the site answers it (a refusal too). */
  async read(line: PhoneLine): Promise<JsonReply> {
    return send(line, 'GET', '/push/device/pending', { query: await this.readQuery(line) });
  }

  async pending(line: PhoneLine): Promise<PendingPush[]> {
    const reply = await this.read(line);
    if (reply.status !== 200) throw new Error(`pending refused: ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply.json.pushes as PendingPush[];
  }

  /** The body the page posts for an answer, signed over every field. */
  answerBody(push: Pick<PendingPush, 'attemptId' | 'pushId'>, decision: 'approve' | 'deny', number: string, handle = this.handle): Record<string, string> {
    const fields = { device: handle, attemptId: push.attemptId, pushId: push.pushId, decision, number };
    return { ...fields, signature: this.sign('answer', answerFields(fields)) };
  }

  async answer(line: PhoneLine, push: Pick<PendingPush, 'attemptId' | 'pushId'>, decision: 'approve' | 'deny', number = ''): Promise<JsonReply> {
    return send(line, 'POST', '/push/device/answer', { body: this.answerBody(push, decision, number) });
  }
}

/** A number of `choices` that is not `right`. */
export function wrongNumber(choices: readonly string[], right: string): string {
  const wrong = choices.find((choice) => choice !== right);
  if (!wrong) throw new Error('no wrong number offered');
  return wrong;
}

export type { HostUser };
