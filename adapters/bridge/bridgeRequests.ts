import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateBridgeRequest, BridgeRefusal } from '../../plugin/bridge/authenticateBridgeRequest.ts';
import type { ClientKey } from '../../plugin/bridge/bridgeClients.ts';
import type { Bridge } from '../../plugin/createBridge.ts';
import { isMfaError, MfaError } from '../../plugin/errors.ts';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from '../express/databaseErrors.ts';
import { STATUS_BY_ERROR_CODE, UNAVAILABLE_MESSAGE } from '../express/errorHandler.ts';
import { REQUEST_ERROR_MESSAGES, requestErrorOf } from '../express/requestErrors.ts';

/** What a call did, for its audit line: set by the route as it learns it. Never a code or secret. */
export interface CallFacts {
  userId?: string;
  door?: string;
  outcome?: string;
  factor?: string;
}

interface BridgeLocals {
  bridgeClient?: ClientKey;
  bridgeBody?: unknown;
  bridgeCall?: CallFacts;
}

const locals = (res: Response) => res.locals as BridgeLocals;

/** The client that signed this request (after `requireSignedRequest`). */
export function bridgeClient(res: Response): ClientKey {
  const client = locals(res).bridgeClient;
  if (!client) throw new MfaError('BRIDGE_UNAUTHENTICATED', 'The request is not signed.');
  return client;
}

/** The request's JSON body ({} when empty). */
export function bridgeBody(res: Response): unknown {
  return locals(res).bridgeBody ?? {};
}

/** Adds what the call did to its audit line. */
export function noteCall(res: Response, facts: CallFacts): void {
  locals(res).bridgeCall = { ...locals(res).bridgeCall, ...facts };
}

/**
 * Checks the signature over the raw body bytes (express.raw before this), then reads
 * them as JSON: the body is signed as sent, never as re-serialised.
 */
export function requireSignedRequest(bridge: Bridge): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const client = await authenticateBridgeRequest({ method: req.method, path: req.originalUrl, header: (name) => req.get(name), body }, { clients: bridge.clients, nonces: bridge.nonces, now: bridge.plugin.now });
      locals(res).bridgeClient = client;
      if (body.length > 0) {
        try {
          locals(res).bridgeBody = JSON.parse(body.toString('utf8'));
        } catch {
          throw new MfaError('INVALID_INPUT', 'The body is not JSON: send a JSON object with Content-Type: application/json.');
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Answers and writes the call's audit line first (actor: the client), so every answered call is in the log. */
export async function answer(bridge: Bridge, req: Request, res: Response, status: number, body: object): Promise<void> {
  const client = locals(res).bridgeClient;
  const call = locals(res).bridgeCall ?? {};
  const code = 'code' in body && typeof body.code === 'string' ? body.code : undefined;
  const route = `${req.method} ${req.baseUrl}${req.route?.path ?? req.path}`;
  if (client) {
    await bridge.plugin.audit.record({ event: 'bridge_call', actor: `bridge:${client.clientId}`, userId: call.userId ?? null, door: call.door ?? null, factor: call.factor ?? null, detail: { route, status, ...(call.outcome ? { outcome: call.outcome } : {}), ...(code ? { errorCode: code } : {}) } });
  }
  res.status(status).set('Cache-Control', 'no-store').json(body);
}

/**
 * Every error under /bridge/v1 in the protocol's shape `{error, code}`: a refused
 * signature 401 (audited with the client id it claimed), an MfaError with its status, a
 * database outage 503 with Retry-After. Never a 500 with our internals.
 */
export function bridgeErrors(bridge: Bridge, log: (line: string) => void): ErrorRequestHandler {
  return async (error, req, res, _next) => {
    if (res.headersSent) return log(`error after a bridge answer: ${errorLogLine(error)}`);
    try {
      if (error instanceof BridgeRefusal) {
        await bridge.plugin.audit.record({ event: 'bridge_refused', actor: error.claimedClientId ? `bridge:${error.claimedClientId}` : null, detail: { code: error.code, route: `${req.method} ${req.path}` } });
        return void res.status(401).set('Cache-Control', 'no-store').json({ error: error.message, code: error.code });
      }
      if (isMfaError(error)) {
        const status = STATUS_BY_ERROR_CODE[error.code];
        if (status >= 500) log(`bridge error ${error.code}: ${error.message}`);
        if (typeof error.details.retryAfterSeconds === 'number') res.set('Retry-After', String(error.details.retryAfterSeconds));
        return await answer(bridge, req, res, status, { error: error.message, code: error.code, ...(typeof error.details.triesLeft === 'number' ? { triesLeft: error.details.triesLeft } : {}) });
      }
      const requestError = requestErrorOf(error);
      if (requestError) {
        return await answer(bridge, req, res, requestError.status, { error: REQUEST_ERROR_MESSAGES[requestError.kind], code: requestError.status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT' });
      }
      throw error;
    } catch (unanswered) {
      if (isDatabaseOutage(unanswered)) {
        if (isSchemaMissing(unanswered)) log(`bridge error: ${errorLogLine(unanswered)}`);
        return void res.status(503).set({ 'Retry-After': '30', 'Cache-Control': 'no-store' }).json({ error: UNAVAILABLE_MESSAGE, code: 'DATABASE_UNAVAILABLE' });
      }
      log(`bridge error: ${errorLogLine(unanswered)}`);
      res.status(500).json({ error: 'Something went wrong on our side. Please try again.', code: 'INTERNAL' });
    }
  };
}
