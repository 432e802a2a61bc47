/**
 * A person's login as a browser makes it, over plain fetch: the login form (its CSRF
 * cookie and token), the password, the second-factor page (its token) and the code, then
 * the page itself. Used by the load child (P2) and by the bench to get a logged-in cookie
 * (P1). Throws on any answer a browser would not expect: a benchmark that counts failures
 * as logins measures nothing.
 */

/** A cookie jar of one browser: name → value, as Set-Cookie left it. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

function csrfOf(page: string, step: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`${step}: the page has no CSRF token`);
  return token;
}

async function request(origin: string, jar: CookieJar, path: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
  const response = await fetch(`${origin}${path}`, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'user-agent': 'mfa-bridge-bench', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  jar.take(response);
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

export interface LoginOptions {
  origin: string;
  username: string;
  password: string;
  /** The code to type on /mfa when the site asks for one; absent for a site without MFA. */
  code?: () => Promise<string>;
}

/** Logs in and opens /my; returns the browser's cookie jar (the session cookie in it). */
export async function browserLogin(options: LoginOptions): Promise<CookieJar> {
  const { origin, username } = options;
  const jar = new CookieJar();
  const form = await request(origin, jar, '/login');
  if (form.status !== 200) throw new Error(`GET /login answered ${form.status}`);
  const login = await request(origin, jar, '/login', { _csrf: csrfOf(form.body, 'GET /login'), username, password: options.password, returnTo: '' });
  if (login.status !== 303) throw new Error(`POST /login for ${username} answered ${login.status}: ${login.body.slice(0, 200)}`);
  if (login.location === '/mfa') {
    if (!options.code) throw new Error(`POST /login for ${username} asked for MFA, and this login has no code`);
    const page = await request(origin, jar, '/mfa');
    if (page.status !== 200) throw new Error(`GET /mfa answered ${page.status}`);
    const factor = /name="factor" value="([^"]+)"/.exec(page.body)?.[1] ?? 'totp';
    const answer = await request(origin, jar, '/mfa', { _csrf: csrfOf(page.body, 'GET /mfa'), factor, code: await options.code() });
    if (answer.status !== 303 || answer.location !== '/my') throw new Error(`POST /mfa for ${username} answered ${answer.status} → ${answer.location}: ${answer.body.slice(0, 300)}`);
  } else if (login.location !== '/my') {
    throw new Error(`POST /login for ${username} sent the browser to ${login.location}`);
  }
  const home = await request(origin, jar, '/my');
  if (home.status !== 200 || !home.body.includes(username)) throw new Error(`GET /my after the login of ${username} answered ${home.status}`);
  return jar;
}
