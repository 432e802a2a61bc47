/**
 * A short name for a browser ("Firefox on Linux") from its User-Agent: the browser
 * family and system, never the version. Used for trusted-device labels, the user's
 * recent activity and "new sign-in" mails, and (because versions change with every
 * update) as half of what makes a sign-in "seen before".
 */
export function describeBrowser(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Browser';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Browser';
  const system = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : '';
  return system ? `${browser} on ${system}` : browser;
}
