/**
 * The parameters of Moodle's `admin/tool/mobile/launch.php`, as the Moodle app sends them
 * (moodleapp `src/core/features/login/services/login-helper.ts`, prepareForSSOLogin):
 * `?service=moodle_mobile_app&passport=<Math.random() * 1000>&urlscheme=moodlemobile`.
 */
export interface MobileLaunchRequest {
  /** The external service to issue a token for (Moodle: PARAM_ALPHANUMEXT). */
  service: string;
  /** The app's one-time value; md5(wwwroot + passport) proves to the app that the answer is for its own request. */
  passport: string;
  /** The scheme the app listens on; the token is handed over as `<urlscheme>://token=...`. */
  urlscheme: string;
}

/** Why a launch request cannot be served, in words for the person holding the phone. */
export interface MobileLaunchProblem {
  status: 400 | 403;
  title: string;
  message: string;
}

/** Moodle's default (launch.php: `optional_param('urlscheme', 'moodlemobile', ...)`). */
export const DEFAULT_URL_SCHEME = 'moodlemobile';

/** Moodle's PARAM_ALPHANUMEXT: letters, digits, `_` and `-`. */
const SERVICE_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Printable ASCII without spaces. Moodle takes PARAM_RAW; the app sends a decimal number,
 * and hashes it with `Md5.hashAsciiStr`, so nothing else could ever match on its side.
 */
const PASSPORT_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** A URI scheme (RFC 3986 §3.1), the rule Moodle's launch.php applies to `urlscheme`. */
const SCHEME_PATTERN = /^[a-zA-Z][a-zA-Z0-9+.-]{0,99}$/;

/**
 * Schemes a browser itself handles. The token must go to an app, never to a web page or a
 * script: Moodle accepts any syntactically valid scheme; refusing these costs the app nothing.
 */
const BROWSER_SCHEMES = new Set(['http', 'https', 'javascript', 'data', 'vbscript', 'file', 'blob', 'filesystem', 'about', 'ws', 'wss', 'ftp', 'mailto', 'intent']);

/**
 * Schemes any web page can claim with `navigator.registerProtocolHandler()`, so that the
 * browser sends `<scheme>://token=...` to that page: HTML's safelist
 * (https://html.spec.whatwg.org/multipage/system-state.html#safelisted-scheme) and the
 * decentralised ones and `payto` Chromium adds to it (blink `IsValidCustomHandlerScheme`).
 */
const SCHEMES_A_PAGE_CAN_CLAIM = new Set([
  'bitcoin', 'ftp', 'ftps', 'geo', 'im', 'irc', 'ircs', 'magnet', 'mailto', 'matrix', 'mms', 'news', 'nntp', 'openpgp4fpr',
  'sftp', 'sip', 'sms', 'smsto', 'ssh', 'tel', 'urn', 'webcal', 'wtai', 'xmpp',
  'cabal', 'dat', 'did', 'doi', 'dweb', 'ethereum', 'hyper', 'ipfs', 'ipns', 'ssb', 'payto',
]);

/** Prefixes of the schemes a page (`web+`, HTML) or a browser extension (`ext+`, Firefox and Chromium) may claim by any name. */
const CLAIMABLE_PREFIXES = ['web+', 'ext+'];

/** True for a scheme only an installed app can register, which the browser hands to the operating system. */
export function isAppScheme(scheme: string): boolean {
  if (!SCHEME_PATTERN.test(scheme)) return false;
  const lower = scheme.toLowerCase();
  return !BROWSER_SCHEMES.has(lower) && !SCHEMES_A_PAGE_CAN_CLAIM.has(lower) && !CLAIMABLE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

function field(source: Record<string, unknown>, name: string): string | undefined | null {
  const value = source[name];
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value : null; // null: repeated or nested where one value belongs
}

function problem(message: string): { ok: false; problem: MobileLaunchProblem } {
  return { ok: false, problem: { status: 400, title: 'The app sent an incomplete sign-in link', message } };
}

/** The launch parameters from a query string or form body, or why they cannot be used. */
export function readMobileLaunchRequest(source: Record<string, unknown>): { ok: true; request: MobileLaunchRequest } | { ok: false; problem: MobileLaunchProblem } {
  const service = field(source, 'service');
  const passport = field(source, 'passport');
  const urlscheme = field(source, 'urlscheme') ?? DEFAULT_URL_SCHEME;
  if (!service) return problem('The link does not say which service to sign in to. Go back to the app and start the sign-in again.');
  if (!SERVICE_PATTERN.test(service)) return problem('The service named in the link is not valid. Go back to the app and start the sign-in again.');
  if (!passport || !PASSPORT_PATTERN.test(passport)) return problem('The link lacks the app’s one-time check value (passport). Go back to the app and start the sign-in again.');
  if (urlscheme === null || !isAppScheme(urlscheme)) {
    return problem('The link names no app to return to (its urlscheme is not an app’s address). Go back to the app and start the sign-in again.');
  }
  return { ok: true, request: { service, passport, urlscheme } };
}

/** The launch URL for these parameters (a same-origin path), e.g. for the login's `returnTo`. */
export function mobileLaunchPath(request: MobileLaunchRequest): string {
  const query = new URLSearchParams({ service: request.service, passport: request.passport, urlscheme: request.urlscheme });
  return `${MOBILE_LAUNCH_PATH}?${query.toString()}`;
}

export const MOBILE_LAUNCH_PATH = '/admin/tool/mobile/launch.php';

/** True when `path` (a same-origin path, e.g. where a login landed) is the launch for `request`. */
export function isLaunchFor(path: string | undefined, request: MobileLaunchRequest): boolean {
  if (!path) return false;
  const url = new URL(path, 'http://same-origin.invalid');
  if (url.pathname !== MOBILE_LAUNCH_PATH) return false;
  const landed = readMobileLaunchRequest(Object.fromEntries(url.searchParams));
  return landed.ok && landed.request.service === request.service && landed.request.passport === request.passport && landed.request.urlscheme === request.urlscheme;
}
