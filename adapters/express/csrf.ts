import { createHmac } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { constantTimeEqual, randomToken } from '../../plugin/crypto/tokens.ts';
import { html } from '../../web/html.ts';
import { renderPage } from '../../web/layout.ts';
import type {} from 'express-session';

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
  }
}

export interface CsrfProtectionOptions {
  /** Path prefixes whose callers carry no cookies (token.php, bearer-token APIs): no token needed. */
  exempt?: readonly string[];
  /** Single requests that need none either (a device's signed JSON post to a factor's public route). */
  exemptRequest?: (req: Request) => boolean;
  siteName?: string;
  /**
   * Signs the token of visitors who are not logged in, kept in a cookie instead of a
   * session row. Without it, every visitor's token lives in their session, as before.
   */
  anonymous?: { secret: string; cookieName: string; secure: boolean };
}

/** What csrfProtection set up for this request. */
const protections = new WeakMap<Request, CsrfProtectionOptions['anonymous']>();

/** `<token>.<HMAC of it>`: a cookie a sibling site cannot toss in with a token of its choosing. */
function signed(secret: string, token: string): string {
  return `${token}.${createHmac('sha256', secret).update(`csrf:${token}`).digest('base64url')}`;
}

/** The token inside a cookie we signed, or undefined when the cookie is absent or not ours. */
function anonymousTokenFrom(req: Request, anonymous: NonNullable<CsrfProtectionOptions['anonymous']>): string | undefined {
  const cookie: unknown = req.cookies?.[anonymous.cookieName];
  if (typeof cookie !== 'string') return undefined;
  const dot = cookie.indexOf('.');
  if (dot < 1) return undefined;
  const token = cookie.slice(0, dot);
  return constantTimeEqual(cookie, signed(anonymous.secret, token)) ? token : undefined;
}

/** Logged in (the host put a user in the session), or holding a session token already. */
function usesSessionToken(req: Request): boolean {
  return Boolean((req.session as { userId?: string } | undefined)?.userId || req.session?.csrfToken);
}

/**
 * The token to put in every form as `_csrf`. A logged-in session keeps it in the session;
 * a visitor who is not logged in gets it in a signed cookie (OWASP's signed double-submit
 * cookie), so the login page writes no session row for every anonymous visitor (issue 11,
 * finding 15): only a correct password makes one.
 */
export function csrfToken(req: Request): string {
  const anonymous = protections.get(req);
  if (anonymous && !usesSessionToken(req)) {
    const known = anonymousTokenFrom(req, anonymous);
    if (known) return known;
    const token = randomToken(32);
    req.res?.cookie(anonymous.cookieName, signed(anonymous.secret, token), { httpOnly: true, sameSite: 'lax', secure: anonymous.secure, path: '/' });
    // Later calls in this request read the cookie just set, not a new one.
    req.cookies = { ...req.cookies, [anonymous.cookieName]: signed(anonymous.secret, token) };
    return token;
  }
  req.session.csrfToken ??= randomToken(32);
  return req.session.csrfToken;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Synchronizer-token CSRF protection (OWASP CSRF cheat sheet): an unsafe request must
 * carry the session's token in `_csrf` or the `X-CSRF-Token` header; a visitor who is not
 * logged in, the token of their signed cookie. Paths under `exempt` carry no cookies
 * (token.php, bearer-token APIs) and so need none.
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): RequestHandler {
  const exempt = options.exempt ?? [];
  return (req: Request, res: Response, next: NextFunction) => {
    if (options.anonymous) protections.set(req, options.anonymous);
    if (!UNSAFE.has(req.method) || exempt.some((prefix) => req.path.startsWith(prefix)) || options.exemptRequest?.(req)) return next();
    const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token');
    const expected = usesSessionToken(req) ? req.session?.csrfToken : options.anonymous && anonymousTokenFrom(req, options.anonymous);
    if (typeof sent === 'string' && expected && constantTimeEqual(sent, expected)) return next();
    res.status(403);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: 'Your form expired or came from another site. Reload the page and try again.', code: 'CSRF' });
    } else {
      const body = html`<h1>Form expired</h1><p role="alert">Your form expired or came from another site. Go back, reload the page and try again.</p>`;
      res.type('html').send(renderPage({ title: 'Form expired', body, siteName: options.siteName }));
    }
  };
}
