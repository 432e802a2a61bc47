import { createHash } from 'node:crypto';
import type { ServiceToken } from './serviceTokens.ts';

/**
 * The address that hands a token to the Moodle app:
 * `<scheme>://token=base64(md5(wwwroot + passport) ":::" token [":::" privatetoken])`
 * (Moodle `admin/tool/mobile/launch.php`). The app splits on `:::` and accepts the token
 * only when the md5 matches its own site URL and the passport it sent (moodleapp
 * `login-helper.ts`, validateBrowserSSOLogin); md5 is the app's choice, not a secret.
 *
 * Our token (32 characters) and private token (64) give 67 or 134 bytes, never a multiple
 * of 3, so the base64 always ends in `=`: the app strips a trailing `/` or `#` before it
 * decodes (moodleapp `src/core/services/urlschemes.ts`, getCustomURLTokenData).
 */
export function appTokenUrl(options: { scheme: string; wwwroot: string; passport: string; token: ServiceToken; withPrivateToken: boolean }): string {
  const siteId = createHash('md5').update(options.wwwroot + options.passport).digest('hex');
  const parts = [siteId, options.token.token, ...(options.withPrivateToken ? [options.token.privatetoken] : [])];
  return `${options.scheme}://token=${Buffer.from(parts.join(':::')).toString('base64')}`;
}

/**
 * Moodle's rule for the private token (launch.php): only over https, never for a site
 * administrator, and only on a fresh login. The private token lets the app open web pages
 * signed in without a password (tool_mobile_get_autologin_key), so it travels only where
 * it cannot be read on the way and only right after the user proved who they are.
 */
export function privateTokenAllowed(options: { siteOrigin: string; isAdmin: boolean; freshLogin: boolean }): boolean {
  return options.siteOrigin.startsWith('https://') && !options.isAdmin && options.freshLogin;
}
