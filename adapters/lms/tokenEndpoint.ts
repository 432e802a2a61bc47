import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { isMfaError } from '../../plugin/errors.ts';
import { errorLogLine, isDatabaseOutage, isSchemaMissing } from '../express/databaseErrors.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import type { LmsHost } from './lmsHost.ts';

/** What the external_token_login hook decides before a token is issued. */
export type TokenDoorDecision = { allow: true } | { allow: false; status: number; body: { errorcode: string; error: string } & Record<string, unknown> };

export type BeforeTokenIssue = (req: Request, user: HostUser, service: string) => Promise<TokenDoorDecision>;

/** Moodle's error shape, so clients written for login/token.php read our errors unchanged. */
export function moodleError(errorcode: string, error: string, extra: Record<string, unknown> = {}) {
  return { error, errorcode, stacktrace: null, debuginfo: null, reproductionlink: null, ...extra };
}

function param(req: Request, name: string): string | undefined | null {
  const value = (req.method === 'POST' ? (req.body?.[name] ?? req.query[name]) : req.query[name]) as unknown;
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value : null; // null: an array or object where text belongs
}

/**
 * `/login/token.php`, GET and POST: username + password + service → `{token, privatetoken}`.
 * Errors keep Moodle's body; the status is a 4xx so generic HTTP clients see them too.
 */
export function tokenEndpoint(options: { host: LmsHost; beforeTokenIssue?: BeforeTokenIssue }): Router {
  const router = Router();
  const handle = async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const values: Record<string, string> = {};
    for (const name of ['username', 'password', 'service']) {
      const value = param(req, name);
      if (value === undefined) return res.status(400).json(moodleError('missingparam', `A required parameter (${name}) was missing`));
      if (value === null) return res.status(400).json(moodleError('invalidparameter', `Invalid parameter value detected (${name} must be text)`));
      values[name] = value;
    }
    const user = await options.host.checkPassword(values.username ?? '', values.password ?? '');
    if (!user) return res.status(401).json(moodleError('invalidlogin', 'Invalid login, please try again'));
    if (!(await options.host.serviceEnabled(values.service ?? ''))) {
      return res.status(403).json(moodleError('servicenotavailable', "Web service is not available (it doesn't exist or might be disabled)"));
    }
    if (options.beforeTokenIssue) {
      const decision = await options.beforeTokenIssue(req, user, values.service ?? '');
      if (!decision.allow) return res.status(decision.status).json(moodleError(decision.body.errorcode, decision.body.error, decision.body));
    }
    try {
      const token = await options.host.issueServiceToken(user, values.service ?? '');
      res.json(token);
    } catch (error) {
      if (isMfaError(error, 'NOT_FOUND')) return res.status(403).json(moodleError('servicenotavailable', error.message));
      throw error;
    }
  };
  router.all('/login/token.php', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return res.status(405).set('Allow', 'GET, POST').json(moodleError('invalidrequest', 'Use GET or POST.'));
    handle(req, res).catch(next);
  });
  return router;
}

/**
 * Errors on the way to token.php (an unreadable body, a database outage) still answer
 * in Moodle's shape: an app shows `error`, whatever went wrong.
 */
export function tokenEndpointErrors(log: (line: string) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (res.headersSent) return log(`error after token.php answered: ${errorLogLine(error)}`);
    if (isDatabaseOutage(error)) {
      if (isSchemaMissing(error)) log(`error on token.php: ${errorLogLine(error)}`);
      res.set('Retry-After', '30');
      return res.status(503).json(moodleError('servicetemporarilyunavailable', 'The service is temporarily unavailable. Please try again in a minute.'));
    }
    const { status, type } = error as { status?: number; type?: string };
    if (typeof type === 'string' && status && status >= 400 && status < 500) {
      return res.status(status).json(moodleError('invalidparameter', 'Invalid parameter value detected: send username, password and service as form fields.'));
    }
    log(`error on token.php: ${errorLogLine(error)}`);
    res.status(500).json(moodleError('internalerror', 'Something went wrong on our side. Please try again.'));
  };
}
