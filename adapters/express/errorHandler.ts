import type { ErrorRequestHandler } from 'express';
import { isMfaError, type MfaErrorCode } from '../../plugin/errors.ts';
import { html } from '../../web/html.ts';
import { renderPage } from '../../web/layout.ts';
import { REQUEST_ERROR_MESSAGES, requestErrorOf } from './requestErrors.ts';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from './databaseErrors.ts';

/** How the HTTP doors answer each error code. */
export const STATUS_BY_ERROR_CODE: Record<MfaErrorCode, number> = {
  MFA_REQUIRED: 401,
  MFA_CODE_REQUIRED: 401,
  INVALID_CODE: 401,
  INVALID_LOGIN: 401,
  INVALID_TOKEN: 401,
  FACTOR_LOCKED: 403,
  FORBIDDEN: 403,
  RECENT_MFA_REQUIRED: 403,
  LOGIN_REQUIRED: 401,
  RATE_LIMITED: 429,
  FACTOR_NOT_AVAILABLE: 400,
  FACTOR_REQUIRED: 400,
  // Asked before the approval was given: nothing wrong, not yet.
  APPROVAL_PENDING: 409,
  INVALID_INPUT: 400,
  UNKNOWN_SETTING: 400,
  INVALID_SETTING: 400,
  NOT_FOUND: 404,
  ATTEMPT_EXPIRED: 410,
  ATTEMPT_FAILED: 403,
  SETUP_EXPIRED: 410,
  SETUP_REQUIRED: 403,
  CONFIGURATION: 500,
  DATABASE_UNAVAILABLE: 503,
  // The mail server, not the request, failed: try again later.
  DELIVERY_FAILED: 503,
  BRIDGE_UNAUTHENTICATED: 401,
  BRIDGE_STALE: 401,
  BRIDGE_REPLAYED: 401,
};

export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please try again in a minute.';

function answerWith(req: Parameters<ErrorRequestHandler>[1], res: Parameters<ErrorRequestHandler>[2], status: number, code: string, message: string, siteName?: string): void {
  res.status(status);
  if (req.accepts(['html', 'json']) === 'html') {
    const body = html`<h1>Something went wrong</h1><p role="alert">${message}</p><p><a href="/">Back to the start page</a></p>`;
    res.type('html').send(renderPage({ title: status === 503 ? 'Temporarily unavailable' : 'Something went wrong', body, siteName }));
  } else {
    res.json({ error: message, code });
  }
}

/**
 * The last handler: our errors by code, the request's own faults (requestErrorOf: malformed
 * or badly compressed bodies, bad paths) as 4xx, a database that
 * cannot be reached (or lacks a table) as 503, anything else as a logged 500. Log lines
 * never carry the request body (it may hold a password or a code) nor a query's values.
 */
export function errorHandler(log: (line: string) => void = console.error, options: { siteName?: string } = {}): ErrorRequestHandler {
  const answer = (req: Parameters<ErrorRequestHandler>[1], res: Parameters<ErrorRequestHandler>[2], status: number, code: string, message: string) =>
    answerWith(req, res, status, code, message, options.siteName);
  return (error, req, res, _next) => {
    if (res.headersSent) {
      // Typically a session save that failed after the page went out (express-session saves
      // at res.end). Express's own handler would log the raw error, values and all.
      log(`error after the response to ${req.method} ${req.path} was sent: ${errorLogLine(error)}`);
      if (!res.writableEnded) req.socket.destroy();
      return;
    }
    if (isMfaError(error)) return answer(req, res, STATUS_BY_ERROR_CODE[error.code], error.code, error.message);
    const requestError = requestErrorOf(error);
    if (requestError) {
      return answer(req, res, requestError.status, requestError.status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT', REQUEST_ERROR_MESSAGES[requestError.kind]);
    }
    if (isDatabaseOutage(error)) {
      // A missing table is the operator's to fix, so it is logged; a refused connection speaks for itself.
      if (isSchemaMissing(error)) log(`error on ${req.method} ${req.path}: ${errorLogLine(error)}`);
      res.set('Retry-After', '30');
      return answer(req, res, 503, 'DATABASE_UNAVAILABLE', UNAVAILABLE_MESSAGE);
    }
    log(`error on ${req.method} ${req.path}: ${errorLogLine(error)}`);
    answer(req, res, 500, 'INTERNAL', 'Something went wrong on our side. Please try again.');
  };
}
