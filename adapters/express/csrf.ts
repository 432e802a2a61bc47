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

/** The session's CSRF token, made on first use; put it in every form as `_csrf`. */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomToken(32);
  return req.session.csrfToken;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Synchronizer-token CSRF protection (OWASP CSRF cheat sheet): an unsafe request must
 * carry the session's token in `_csrf` or the `X-CSRF-Token` header. Paths under
 * `exempt` carry no cookies (token.php, bearer-token APIs) and so need none.
 */
export function csrfProtection(options: { exempt?: readonly string[]; siteName?: string } = {}): RequestHandler {
  const exempt = options.exempt ?? [];
  return (req: Request, res: Response, next: NextFunction) => {
    if (!UNSAFE.has(req.method) || exempt.some((prefix) => req.path.startsWith(prefix))) return next();
    const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token');
    const expected = req.session?.csrfToken;
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
