import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { isMfaError } from '../plugin/errors.ts';
import type { HostUser } from '../plugin/spi/host.ts';
import type { LmsHost } from './lmsHost.ts';
import { type CheckPassword, unthrottledPasswordCheck } from './loginRoutes.ts';
import { privateTokenAllowed } from './mobileAppToken.ts';
import { moodleError, moodleScriptErrors } from './moodleErrors.ts';

/** A field of the token.php call: text, undefined when absent or empty, null when not text (an array, an object). */
export type TokenField = (name: string) => string | undefined | null;

/** What the hooks see of a token.php call. `field` reads GET and POST alike, as Moodle does. */
export interface TokenCall {
  req: Request;
  res: Response;
  field: TokenField;
}

/** A refusal in Moodle's error shape (the endpoint adds stacktrace, debuginfo, reproductionlink). */
export interface TokenRefusal {
  allow: false;
  body: { errorcode: string; error: string } & Record<string, unknown>;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number | null;
}

/** An answer that is neither a token nor an error (e.g. "a code was mailed"), sent as it is. */
export interface TokenReply {
  allow: false;
  reply: Record<string, unknown>;
}

/** What the external_token_login hook decides before a token is issued. */
export type TokenDoorDecision = { allow: true } | TokenRefusal | TokenReply;

export type BeforeTokenIssue = (call: TokenCall, user: HostUser, service: string) => Promise<TokenDoorDecision>;

/**
 * A call the hook finishes without the password (e.g. with a one-time handle it gave out
 * before): it names the user and service to issue for. null: not such a call.
 */
export type ContinueTokenLogin = (call: TokenCall) => Promise<TokenRefusal | TokenReply | { allow: true; user: HostUser; service: string } | null>;

function param(req: Request, name: string): string | undefined | null {
  const value = (req.method === 'POST' ? (req.body?.[name] ?? req.query[name]) : req.query[name]) as unknown;
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value : null; // null: an array or object where text belongs
}

/**
 * `/login/token.php`, GET and POST: username + password + service → `{token, privatetoken}`
 * (`privatetoken` null unless the site is https and the user not an admin).
 * Every answer is HTTP 200 with Moodle's body, refusals included, and any origin may read
 * it: the Moodle app calls from a WebView and shows "Site not accessible through the app",
 * never the server's text, for any other status or a CORS refusal; it shows `error` only
 * for a 200 that carries an `errorcode` (moodleapp src/core/services/sites.ts, ws.ts).
 * `lang` in the query string is the app's language; the site speaks English only.
 */
export function tokenEndpoint(options: { host: LmsHost; checkPassword?: CheckPassword; beforeTokenIssue?: BeforeTokenIssue; continueTokenLogin?: ContinueTokenLogin }): Router {
  const router = Router();
  const checkPassword = options.checkPassword ?? unthrottledPasswordCheck(options.host);
  const issue = async (res: Response, user: HostUser, service: string) => {
    try {
      const { token, privatetoken } = await options.host.issueServiceToken(user, service);
      // Moodle's token.php sends `privatetoken` only `if (is_https() && !$siteadmin)`, else null
      // (the app takes null): it opens web sessions without a password, so not over plain http
      // and not for an admin. Every call here is a fresh password (and MFA) login.
      const withPrivateToken = privateTokenAllowed({ siteOrigin: options.host.siteOrigin(), isAdmin: user.isAdmin, freshLogin: true });
      res.json({ token, privatetoken: withPrivateToken ? privatetoken : null });
    } catch (error) {
      if (isMfaError(error, 'NOT_FOUND')) return res.json(moodleError('servicenotavailable', error.message));
      throw error;
    }
  };
  const handle = async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const call: TokenCall = { req, res, field: (name) => param(req, name) };
    const continued = options.continueTokenLogin ? await options.continueTokenLogin(call) : null;
    if (continued) return continued.allow ? issue(res, continued.user, continued.service) : answer(res, continued);
    const values: Record<string, string> = {};
    for (const name of ['username', 'password', 'service']) {
      const value = param(req, name);
      if (value === undefined) return res.json(moodleError('missingparam', `A required parameter (${name}) was missing`));
      if (value === null) return res.json(moodleError('invalidparameter', `Invalid parameter value detected (${name} must be text)`));
      values[name] = value;
    }
    const checked = await checkPassword(req, values.username ?? '', values.password ?? '');
    if (checked.outcome === 'throttled') {
      // Moodle answers a locked-out account with `invalidlogin` too (login/token.php throws it for
      // every failed authenticate_user_login, AUTH_LOGIN_LOCKOUT included), and `invalidlogin` is
      // the one code whose text the Moodle app shows as it is: so the wait reaches the person.
      res.set('Retry-After', String(checked.retryAfterSeconds));
      return res.json(moodleError('invalidlogin', checked.message));
    }
    if (checked.outcome === 'wrong') return res.json(moodleError('invalidlogin', 'Invalid login, please try again'));
    const user = checked.user;
    if (!(await options.host.serviceEnabled(values.service ?? ''))) {
      return res.json(moodleError('servicenotavailable', "Web service is not available (it doesn't exist or might be disabled)"));
    }
    if (options.beforeTokenIssue) {
      const decision = await options.beforeTokenIssue(call, user, values.service ?? '');
      if (!decision.allow) return answer(res, decision);
    }
    return issue(res, user, values.service ?? '');
  };
  router.all('/login/token.php', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return res.set('Allow', 'GET, POST').json(moodleError('invalidrequest', 'Call login/token.php with GET or POST.'));
    handle(req, res).catch(next);
  });
  return router;
}

function answer(res: Response, decision: TokenRefusal | TokenReply) {
  if ('retryAfterSeconds' in decision && decision.retryAfterSeconds) res.set('Retry-After', String(decision.retryAfterSeconds));
  if ('reply' in decision) return res.json(decision.reply);
  return res.json(moodleError(decision.body.errorcode, decision.body.error, decision.body));
}

/** Errors on the way to token.php (an unreadable body, a database outage) in the same contract. */
export function tokenEndpointErrors(log: (line: string) => void): ErrorRequestHandler {
  return moodleScriptErrors(log, 'token.php', 'Invalid parameter value detected: send username, password and service as form fields.');
}
