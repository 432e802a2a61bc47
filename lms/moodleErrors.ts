import type { ErrorRequestHandler } from 'express';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from '../adapters/express/databaseErrors.ts';
import { requestErrorOf } from '../adapters/express/requestErrors.ts';

/**
 * The error shapes of Moodle's cookieless endpoints, as the Moodle app reads them.
 * Moodle answers these with HTTP 200: the app treats any other status as "site not
 * accessible" and never shows the server's text (moodleapp src/core/services/ws.ts).
 */

/**
 * Moodle's fatal error for an AJAX_SCRIPT (core_renderer_ajax::fatal_error): what
 * login/token.php answers for every refusal, and what lib/ajax/service-nologin.php
 * answers when the request itself is unreadable. The app shows `error` where it
 * shows anything, and keys on `errorcode`: an answer without one is "not accessible".
 */
export function moodleError(errorcode: string, error: string, extra: Record<string, unknown> = {}) {
  return { error, errorcode, stacktrace: null, debuginfo: null, reproductionlink: null, ...extra };
}

/**
 * One failed call inside an ajax batch: external_api::call_external_function's
 * `{error: true, exception: {message, errorcode, link, moreinfourl}}` (debug fields
 * left out, as Moodle does outside developer debugging).
 */
export function ajaxCallFailure(origin: string, errorcode: string, message: string) {
  return { error: true, exception: { message, errorcode, link: `${origin}/`, moreinfourl: `https://docs.moodle.org/405/en/error/moodle/${errorcode}` } };
}

/** How long a client should wait after a database outage before it tries again. */
const OUTAGE_RETRY_SECONDS = 30;

/**
 * The errors that reach a Moodle script before or around its own handler (an
 * unreadable body, a database outage, a bug) in Moodle's fatal-error shape and with
 * HTTP 200, so the app shows our words instead of "site not accessible". An outage
 * still says when to come back (Retry-After), and nothing is half-written: the doors
 * write in transactions.
 */
export function moodleScriptErrors(log: (line: string) => void, script: string, badRequestMessage: string): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (res.headersSent) return log(`error after ${script} answered: ${errorLogLine(error)}`);
    // The request's own fault (a body that is not well-formed, or not the compression it claims): invalidparameter.
    if (requestErrorOf(error)) return res.json(moodleError('invalidparameter', badRequestMessage));
    if (isDatabaseOutage(error)) {
      if (isSchemaMissing(error)) log(`error on ${script}: ${errorLogLine(error)}`);
      res.set('Retry-After', String(OUTAGE_RETRY_SECONDS));
      return res.json(moodleError('dbconnectionfailed', `The site cannot reach its database right now. Please try again in ${OUTAGE_RETRY_SECONDS} seconds.`));
    }
    log(`error on ${script}: ${errorLogLine(error)}`);
    res.json(moodleError('internalerror', 'Something went wrong on the site. Please try again; if it keeps happening, tell the site administrator.'));
  };
}
