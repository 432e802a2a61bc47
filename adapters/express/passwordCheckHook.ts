import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { PasswordCheck } from '../../plugin/engine/passwordLogins.ts';
import { clientIp } from './requestFacts.ts';

/** The `password_check` hook: a door's password check, by the client's address (X-Forwarded-For only with `trust_proxy`). */
export type PasswordCheckHook = (req: Request, username: string, password: string) => Promise<PasswordCheck>;

/** The `password_check` hook of a browser's login form: it reads the request's device cookie and sets a new one on the response. */
export type BrowserPasswordCheckHook = (req: Request, res: Response, username: string, password: string) => Promise<PasswordCheck>;

/**
 * The plugin's throttled password check for doors whose clients keep no cookies
 * (login/token.php, the JSON API's sessions and Basic auth): clients are told apart by
 * address only, and an address the account logged in from passes the ceilings.
 */
export function passwordCheckHook(plugin: MfaPlugin): PasswordCheckHook {
  return async (req, username, password) => {
    const address = clientIp(req, await plugin.settings.snapshot());
    return plugin.passwordLogins.check({ username, password, address });
  };
}

/** One cookie of the request, from its Cookie header (the host need not mount cookie-parser). */
function requestCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The throttled password check of a browser's login form, with OWASP's device cookies
 * (plugin/engine/passwordDeviceCookies.ts): the browser's cookie for the name typed is
 * read from the request, and after a right password a new one is set, HttpOnly, Secure on
 * an https site, SameSite=Strict (only our own login form sends it) and only for the
 * login path. The web door hands this out as `checkPassword`.
 */
export function browserPasswordCheckHook(plugin: MfaPlugin, options: { secureCookies: boolean; loginPath: string }): BrowserPasswordCheckHook {
  return async (req, res, username, password) => {
    const address = clientIp(req, await plugin.settings.snapshot());
    const checked = await plugin.passwordLogins.check({ username, password, address, readCookie: (name) => requestCookie(req, name) });
    if (checked.outcome === 'passed' && checked.deviceCookie) {
      const { name, value, maxAgeMs } = checked.deviceCookie;
      res.cookie(name, value, { httpOnly: true, secure: options.secureCookies, sameSite: 'strict', path: options.loginPath, maxAge: maxAgeMs });
    }
    return checked;
  };
}
