import type { ErrorRequestHandler, Response } from 'express';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from '../../adapters/express/databaseErrors.ts';
import { requestErrorOf } from '../../adapters/express/requestErrors.ts';

/**
 * An error as Moodle's REST server writes it in JSON (webservice/rest/locallib.php,
 * generate_error): the PHP exception class, its `errorcode` and its message. The
 * Moodle app treats any body with `exception` or `errorcode` as a failed call
 * (src/core/classes/sites/authenticated-site.ts, performRequest) and branches on
 * `errorcode` (e.g. `invalidtoken` ends the session: src/core/classes/errors/wserror.ts).
 * `debuginfo` is what Moodle adds in debug mode; we always add it when it helps a person.
 */
export class WsError extends Error {
  override readonly name = 'WsError';
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
    readonly debuginfo?: string,
    /** Sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  toJSON(): WsErrorBody {
    return { exception: this.exception, errorcode: this.errorcode, message: this.message, ...(this.debuginfo ? { debuginfo: this.debuginfo } : {}) };
  }
}

export interface WsErrorBody {
  exception: string;
  errorcode: string;
  message: string;
  debuginfo?: string;
}

/** webservice/lib.php authenticate_by_token: no such token (also: none sent, revoked, expired). */
export const invalidToken = () => new WsError('moodle_exception', 'invalidtoken', 'Invalid token - token not found');

/** webservice/lib.php authenticate_user: the token's owner is suspended; the app logs out with its own "suspended" text. */
export const userSuspended = (username: string) =>
  new WsError('moodle_exception', 'wsaccessusersuspended', `Refused web service access for suspended username: ${username}`);

/** external_api::validate_parameters and load_function_info: Moodle's text, the detail in debuginfo. */
export const invalidParameter = (detail: string) => new WsError('invalid_parameter_exception', 'invalidparameter', 'Invalid parameter value detected', detail);

/** A MUST_EXIST record that is not there: an unknown function (external_api::external_function_info), an unknown course. */
export const missingRecord = (table: string, detail?: string) =>
  new WsError('dml_missing_record_exception', 'invalidrecord', `Can't find data record in database table ${table}.`, detail);

/** webservice/lib.php load_function_info: the function exists but not in the service the token is for. */
export const functionNotInService = (name: string) =>
  new WsError('webservice_access_exception', 'accessexception', 'Access control exception', `Access to the function ${name}() is not allowed: the service linked to the token does not contain it.`);

export const accessDenied = () => new WsError('moodle_exception', 'accessdenied', 'Access denied');

const databaseUnavailable = () =>
  new WsError('dml_connection_exception', 'dbconnectionfailed', 'The site cannot reach its database right now. Please try again in a minute.', undefined, 30);

const internalError = () => new WsError('moodle_exception', 'generalexceptionmessage', 'Something went wrong on the site. Please try again; if it keeps happening, tell the site administrator.');

/** Every answer of the REST server goes out this way: HTTP 200, JSON, never cached (locallib.php send_headers). */
export function sendWsJson(res: Response, body: unknown): void {
  res.status(200).set({ 'Cache-Control': 'private, must-revalidate, max-age=0', Pragma: 'no-cache' }).json(body);
}

export function sendWsError(res: Response, error: WsError): void {
  if (error.retryAfterSeconds) res.set('Retry-After', String(error.retryAfterSeconds));
  sendWsJson(res, error.toJSON());
}

/**
 * The REST server's last word: an unreadable body, a database outage or a bug still answer
 * 200 in Moodle's error shape. A non-2xx or an HTML page makes the app show "site not
 * accessible" with nothing a person can act on; an error body shows its message.
 */
export function restServerErrors(log: (line: string) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (res.headersSent) return log(`error after the REST server answered: ${errorLogLine(error)}`);
    if (error instanceof WsError) return sendWsError(res, error);
    if (requestErrorOf(error)) {
      // The request's own fault: a malformed body, one past the size or field limit, a bad charset or compression.
      return sendWsError(res, invalidParameter('The request body could not be read: send the parameters form-encoded (uncompressed or correctly compressed), as the Moodle app does.'));
    }
    if (isDatabaseOutage(error)) {
      if (isSchemaMissing(error)) log(`error on the REST server: ${errorLogLine(error)}`);
      return sendWsError(res, databaseUnavailable());
    }
    log(`error on the REST server: ${errorLogLine(error)}`);
    sendWsError(res, internalError());
  };
}
