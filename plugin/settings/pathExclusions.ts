/**
 * Paths that skip the MFA gate (`redirect_exclusions`): how an entry matches a request
 * path, and which entries are refused. The gate (adapters/express/web/mfaGate.ts) and the
 * settings' validation both read this file, so what an entry covers is defined once.
 */

/**
 * `/help` matches only `/help`; `/help/` matches everything below it too.
 *
 * @example
 * pathIsListed('/public/a.html', ['/public/']) // true
 */
export function pathIsListed(path: string, listed: readonly string[]): boolean {
  return listed.some((entry) => (entry.endsWith('/') ? path === entry.slice(0, -1) || path.startsWith(entry) : path === entry));
}

/** What an area that must never skip MFA is called in a refusal. */
export interface ProtectedArea {
  path: string;
  name: string;
}

/**
 * Why an exclusion is refused, or null when it is acceptable. Refused: anything that is
 * not a plain path, `/` (the gate off for the whole site), and any entry that covers a
 * protected area or a page inside one (the admin pages: a password-only admin could
 * switch MFA off; the security pages; the MFA pages). Compared without case, as the
 * router matches paths (Express: case-insensitive routing by default).
 */
export function exclusionRefusal(entry: string, protectedAreas: readonly ProtectedArea[]): string | null {
  if (!entry.startsWith('/') || /[\s\\%?#]/.test(entry) || /(^|\/)\.\.?(\/|$)/.test(entry)) {
    return `"${entry}" is not a plain path; write one that starts with /, e.g. /help or /public/.`;
  }
  if (entry === '/') return '"/" would let users who have not finished MFA open every page of the site; list only public pages, e.g. /help or /public/.';
  const lower = entry.toLowerCase();
  for (const area of protectedAreas) {
    const root = area.path.toLowerCase();
    if (pathIsListed(root, [lower]) || pathIsListed(lower, [`${root}/`])) {
      return `"${entry}" would open ${area.name} (${area.path}) to users who have given only a password; these always need MFA. List only public pages.`;
    }
  }
  return null;
}
