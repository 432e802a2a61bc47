const SENTINEL_ORIGIN = 'http://same-origin.invalid';

/**
 * A same-origin path to send the browser to after login, or null (OWASP: unvalidated
 * redirects). The value is normalised first, the way a browser's URL parser will read it
 * (WHATWG URL: `\` as `/`, dot segments resolved, tabs and newlines dropped), and only
 * the result is judged: `/.//evil.example` normalises to `//evil.example`, which a
 * browser reads as another site, so checking the raw text is not enough.
 *
 * @example
 * safeReturnPath('/course/view.php?id=2') // '/course/view.php?id=2'
 * safeReturnPath('/.//evil.example')      // null
 */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return null;
  // Control characters are dropped by browsers before parsing ("/\t/evil" is "//evil"); a
  // backslash is a slash to them. Neither belongs in a path we made, so refuse rather than guess.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  if (!value.startsWith('/')) return null;
  const normalised = normalisePath(value);
  if (normalised === null || !isSameOriginPath(normalised)) return null;
  // What we hand out must read the same when the browser parses it again.
  return normalisePath(normalised) === normalised ? normalised : null;
}

function normalisePath(value: string): string | null {
  try {
    const url = new URL(value, SENTINEL_ORIGIN);
    return url.origin === SENTINEL_ORIGIN ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}

/** One leading slash and no second one or backslash after it: a path, not a scheme-relative URL. */
function isSameOriginPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}
