/**
 * A same-origin path to send the browser to after login, or null. Only a path that
 * starts with one `/` qualifies: `//host` and `/\host` are read by browsers as another
 * site, and anything with a scheme is one (OWASP: unvalidated redirects).
 */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // Control characters (tabs, newlines) are dropped by browsers before parsing: "/\t/evil" becomes "//evil".
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  try {
    const url = new URL(value, 'http://same-origin.invalid');
    if (url.origin !== 'http://same-origin.invalid') return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}
