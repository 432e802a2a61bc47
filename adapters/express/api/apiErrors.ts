import type { ErrorRequestHandler, Response } from 'express';
import { isMfaError, type MfaError } from '../../../plugin/errors.ts';
import { REQUEST_ERROR_MESSAGES, requestErrorOf } from '../requestErrors.ts';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from '../databaseErrors.ts';
import { STATUS_BY_ERROR_CODE, UNAVAILABLE_MESSAGE } from '../errorHandler.ts';

/** The JSON API's one error shape (MediaSilo's): `{error, code}`, plus facts a client can act on. */
export function sendApiError(res: Response, status: number, code: string, error: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error, code, ...extra });
}

/** An MfaError answered with another status than its usual one (Basic auth's 403 for a missing code). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly refusal: MfaError,
  ) {
    super(refusal.message);
  }
}

/** Facts from an MfaError a client may use (tries left, which field); never anything else it carries. */
function clientDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['triesLeft', 'field', 'retryAfterSeconds', 'factors'] as const) if (details[key] !== undefined) out[key] = details[key];
  return out;
}

/**
 * Everything that goes wrong under /api/v1 answers in JSON: an MfaError with its
 * status, unreadable JSON with 400, a database outage with 503 and Retry-After, and
 * anything else with a 500 that says nothing of our internals.
 */
export function apiErrors(log: (line: string) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (res.headersSent) return log(`error after an API answer: ${errorLogLine(error)}`);
    if (error instanceof ApiRefusal) {
      return sendApiError(res, error.status, error.refusal.code, error.message, clientDetails(error.refusal.details));
    }
    if (isMfaError(error)) {
      const status = STATUS_BY_ERROR_CODE[error.code];
      if (status >= 500) log(`API error ${error.code}: ${error.message}`);
      if (typeof error.details.retryAfterSeconds === 'number') res.set('Retry-After', String(error.details.retryAfterSeconds));
      return sendApiError(res, status, error.code, error.message, clientDetails(error.details));
    }
    const requestError = requestErrorOf(error);
    if (requestError) {
      const message = requestError.kind === 'unreadable_body' ? 'The request body could not be read. Send Content-Type: application/json with a JSON object (and a Content-Encoding that matches it).' : REQUEST_ERROR_MESSAGES[requestError.kind];
      return sendApiError(res, requestError.status, requestError.status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT', message);
    }
    if (isDatabaseOutage(error)) {
      if (isSchemaMissing(error)) log(`API error: ${errorLogLine(error)}`);
      res.set('Retry-After', '30');
      return sendApiError(res, 503, 'DATABASE_UNAVAILABLE', UNAVAILABLE_MESSAGE);
    }
    log(`API error: ${errorLogLine(error)}`);
    sendApiError(res, 500, 'INTERNAL', 'Something went wrong on our side. Please try again.');
  };
}
