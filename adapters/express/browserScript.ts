import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

/**
 * Where the browser helper (security keys on your own pages) lies on disk, for a host that
 * serves files its own way. The same relative place in the sources and in the built package.
 */
export const mfaBrowserScriptPath: string = fileURLToPath(new URL('../../web/browser/mfa-bridge-browser.js', import.meta.url));

/**
 * Serves the browser helper, `mfa-bridge-browser.js`: a plain ES module your pages include
 * to set up and sign in with security keys and passkeys. Read once, when this is called.
 *
 * @example
 * app.get('/mfa-bridge-browser.js', mfaBrowserScript());
 * // <script type="module" src="/mfa-bridge-browser.js"></script>
 */
export function mfaBrowserScript(): RequestHandler {
  const body = readFileSync(mfaBrowserScriptPath);
  return (_req, res) => {
    // No version in the name: a new release must reach browsers within the hour.
    res.type('text/javascript; charset=utf-8').set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).send(body);
  };
}
