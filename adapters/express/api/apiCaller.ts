import type { NextFunction, Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { bearerKind } from '../../../plugin/credentials/bearerToken.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { clientIp, requestFacts } from '../requestFacts.ts';
import { ApiRefusal } from './apiErrors.ts';
import { apiLogin } from './apiLogin.ts';
import { checkApiPassword } from './apiPassword.ts';

/** Who is calling the API, and how they proved it. */
export interface ApiCaller {
  user: HostUser;
  via: 'session' | 'basic' | 'identity_token';
  /** When this caller last passed MFA (Basic with a code: this request); null when it never did. */
  mfaPassedAt: number | null;
  /** Identity tokens carry a scope; sessions and Basic callers may do anything their user may. */
  scope: readonly string[] | 'all';
  /** When the password that began this caller's session was given (Basic: this request); null for identity tokens. */
  loggedInAt: number | null;
  sessionId?: number;
  tokenId?: number;
}

export const MFA_CODE_HEADER = 'X-MFA-Code';
const INVALID_CREDENTIAL = 'This session or token is not valid: it expired, was revoked, or was mistyped. Create a new session with POST /api/v1/session.';

/** The caller of this request, once `authenticateApiCaller` ran. */
export function apiCaller(res: Response): ApiCaller {
  const caller = res.locals.apiCaller as ApiCaller | undefined;
  if (!caller) throw new MfaError('INVALID_LOGIN', 'Log in first: send Authorization: Bearer <session or identity token>.');
  return caller;
}

function basicCredentials(header: string): { username: string; password: string } | null {
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
}

/**
 * Reads `Authorization` on every API call: `Bearer mbs_…` (an API session),
 * `Bearer mbi_…` (an identity token), or `Basic` (username and password, plus the
 * header X-MFA-Code with a current code when the user must pass MFA: MediaSilo's
 * rule, answered 403 without it). Each credential is looked up in the database on
 * every request, so logging out, expiry and revocation hold from the next call on.
 */
export function authenticateApiCaller(plugin: MfaPlugin) {
  const host = plugin.registry.host;
  async function identify(req: Request, res: Response): Promise<ApiCaller> {
    const header = req.get('authorization') ?? '';
    if (/^Basic /i.test(header)) return basic(req, res, header);
    const bearer = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!bearer) {
      res.set('WWW-Authenticate', 'Bearer realm="api", Basic realm="api"');
      throw new MfaError('INVALID_LOGIN', 'Log in first: send Authorization: Bearer <session or identity token> (from POST /api/v1/session), or Basic.');
    }
    const kind = bearerKind(bearer);
    if (kind === 'apiSession') {
      const session = await plugin.apiSessions.authenticate(bearer);
      const user = session && (await host.findUserById(session.userId));
      if (!session || !user || user.suspended) throw new MfaError('INVALID_TOKEN', INVALID_CREDENTIAL);
      return { user, via: 'session', mfaPassedAt: session.mfaPassedAt, scope: 'all', loggedInAt: session.createdAt, sessionId: session.sessionId };
    }
    if (kind === 'identityToken') {
      const settings = await plugin.settings.snapshot();
      const token = await plugin.identityTokens.authenticate(bearer, clientIp(req, settings));
      const user = token && (await host.findUserById(token.userId));
      if (!token || !user || user.suspended) throw new MfaError('INVALID_TOKEN', INVALID_CREDENTIAL);
      return { user, via: 'identity_token', mfaPassedAt: null, scope: token.scope, loggedInAt: null, tokenId: token.tokenId };
    }
    throw new MfaError('INVALID_TOKEN', INVALID_CREDENTIAL);
  }

  async function basic(req: Request, res: Response, header: string): Promise<ApiCaller> {
    const credentials = basicCredentials(header);
    const user = credentials && (await checkApiPassword(plugin, req, credentials.username, credentials.password));
    if (!user) {
      res.set('WWW-Authenticate', 'Basic realm="api"');
      throw new MfaError('INVALID_LOGIN', 'Wrong username or password.');
    }
    const settings = await plugin.settings.snapshot();
    const code = req.get(MFA_CODE_HEADER)?.trim() || null;
    const now = plugin.now();
    try {
      const mfaPassedAt = await apiLogin(plugin, user, requestFacts(req, settings, plugin.registry), { code, factor: null });
      return { user, via: 'basic', mfaPassedAt, scope: 'all', loggedInAt: now };
    } catch (error) {
      if (isMfaError(error, 'MFA_CODE_REQUIRED')) {
        const missing = new MfaError('MFA_CODE_REQUIRED', `This user has MFA enabled: send a current code in the ${MFA_CODE_HEADER} header, or create a session with POST /api/v1/session.`, error.details);
        throw new ApiRefusal(403, missing);
      }
      // MediaSilo's rule: with Basic auth, a missing or wrong code is 403, whatever the reason.
      if (error instanceof MfaError && ['INVALID_CODE', 'INVALID_INPUT', 'FACTOR_NOT_AVAILABLE', 'FACTOR_REQUIRED'].includes(error.code)) {
        throw new ApiRefusal(403, error);
      }
      throw error;
    }
  }

  return (req: Request, res: Response, next: NextFunction) => {
    identify(req, res).then(
      (caller) => {
        res.locals.apiCaller = caller;
        next();
      },
      next,
    );
  };
}

/**
 * For host routes under the API: lets through sessions and Basic callers, and identity
 * tokens that carry `scope`. A token made for uploads cannot be used to read grades.
 */
export function requireScope(scope: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const caller = apiCaller(res);
    if (caller.scope === 'all' || caller.scope.includes(scope)) return next();
    next(new MfaError('FORBIDDEN', `This identity token does not have the scope "${scope}". Make a token with that scope.`));
  };
}
