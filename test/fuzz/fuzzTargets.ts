import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A route the fuzzer aims at: a method the site serves there and the fields its handler reads. */
export interface FuzzRoute {
  method: string;
  /** With `{id}`-style parameters, which the fuzzer fills with odd values. */
  path: string;
  fields: string[];
  /** How the real client sends its body. */
  body: 'form' | 'json' | 'none';
}

/** The JSON API's operations, read from openapi.yaml's layout (two-space path keys, four-space methods), as test/web/openapiDocument.test.ts does. */
function openapiRoutes(): FuzzRoute[] {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'openapi.yaml'), 'utf8');
  const base = /servers:\n\s+- url: https?:\/\/[^/\s]+(\/\S*)/.exec(text)?.[1] ?? '/api/v1';
  const section = text.slice(text.indexOf('\npaths:\n'), text.indexOf('\ncomponents:\n'));
  const routes: FuzzRoute[] = [];
  let path = '';
  let fields: string[] = [];
  for (const line of section.split('\n')) {
    const pathKey = /^ {2}(\/\S*):$/.exec(line)?.[1];
    if (pathKey) path = pathKey;
    const method = /^ {4}(get|post|put|patch|delete):$/.exec(line)?.[1];
    if (method) {
      fields = [];
      routes.push({ method: method.toUpperCase(), path: `${base}${path}`, fields, body: method === 'get' || method === 'delete' ? 'none' : 'json' });
    }
    // Property names of the request schemas: `name: { type: ... }` or `name:` inside a properties block.
    for (const match of line.matchAll(/\b([a-z_]{2,30}):\s*\{\s*type:/g)) if (match[1] && !fields.includes(match[1])) fields.push(match[1]);
  }
  return routes;
}

/** The server-rendered site's forms and pages, and Moodle's scripts (lms/, adapters/express/web, admin). */
const SITE_ROUTES: FuzzRoute[] = [
  { method: 'GET', path: '/', fields: [], body: 'none' },
  { method: 'GET', path: '/login', fields: ['returnTo', 'notice'], body: 'none' },
  { method: 'POST', path: '/login', fields: ['_csrf', 'username', 'password', 'returnTo'], body: 'form' },
  { method: 'GET', path: '/logout', fields: [], body: 'none' },
  { method: 'GET', path: '/my', fields: ['tab'], body: 'none' },
  { method: 'GET', path: '/admin', fields: [], body: 'none' },
  { method: 'GET', path: '/mfa', fields: ['factor'], body: 'none' },
  { method: 'POST', path: '/mfa', fields: ['_csrf', 'factor', 'code', 'trust', 'response'], body: 'form' },
  { method: 'POST', path: '/mfa/challenge', fields: ['_csrf', 'factor'], body: 'form' },
  { method: 'GET', path: '/mfa/not-me', fields: ['token'], body: 'none' },
  { method: 'POST', path: '/mfa/not-me', fields: ['_csrf', 'token'], body: 'form' },
  { method: 'POST', path: '/mfa/challenge', fields: ['_csrf', 'factor'], body: 'json' },
  { method: 'GET', path: '/mfa/status', fields: ['factor'], body: 'none' },
  { method: 'GET', path: '/mfa/assets/webauthn/webauthn.js', fields: [], body: 'none' },
  { method: 'GET', path: '/mfa/assets/totp/x.js', fields: [], body: 'none' },
  { method: 'GET', path: '/user/security/totp/setup/status', fields: ['setupId'], body: 'none' },
  { method: 'GET', path: '/user/security/totp/setup/step', fields: ['setupId'], body: 'none' },
  { method: 'POST', path: '/user/security/no-such-factor/setup', fields: ['_csrf', 'label'], body: 'form' },
  { method: 'GET', path: '/user/security', fields: [], body: 'none' },
  { method: 'POST', path: '/user/security/confirm', fields: ['_csrf', 'factor', 'code', 'returnTo'], body: 'form' },
  { method: 'POST', path: '/user/security/totp/setup', fields: ['_csrf', 'label'], body: 'form' },
  { method: 'POST', path: '/user/security/totp/confirm', fields: ['_csrf', 'setupId', 'label', 'code'], body: 'form' },
  { method: 'POST', path: '/user/security/devices/rename', fields: ['_csrf', 'factor', 'id', 'label'], body: 'form' },
  { method: 'POST', path: '/user/security/devices/remove', fields: ['_csrf', 'factor', 'id'], body: 'form' },
  { method: 'POST', path: '/user/security/email/setup', fields: ['_csrf'], body: 'form' },
  { method: 'POST', path: '/user/security/email/confirm', fields: ['_csrf', 'setupId', 'code'], body: 'form' },
  { method: 'POST', path: '/user/security/recovery-codes/setup', fields: ['_csrf'], body: 'form' },
  { method: 'POST', path: '/user/security/recovery-codes/confirm', fields: ['_csrf', 'setupId'], body: 'form' },
  { method: 'POST', path: '/user/security/webauthn/setup', fields: ['_csrf', 'label'], body: 'json' },
  { method: 'POST', path: '/user/security/webauthn/confirm', fields: ['_csrf', 'setupId', 'response', 'label'], body: 'json' },
  { method: 'GET', path: '/user/security/tokens', fields: [], body: 'none' },
  { method: 'POST', path: '/user/security/tokens', fields: ['_csrf', 'name', 'scopes', 'expires'], body: 'form' },
  { method: 'POST', path: '/user/security/tokens/revoke', fields: ['_csrf', 'id'], body: 'form' },
  { method: 'GET', path: '/admin/mfa', fields: [], body: 'none' },
  { method: 'GET', path: '/admin/mfa/settings', fields: [], body: 'none' },
  { method: 'POST', path: '/admin/mfa/settings', fields: ['_csrf', 'lockout_threshold', 'mobile_app_mfa', 'redirect_exclusions', 'factor.totp.enabled'], body: 'form' },
  { method: 'GET', path: '/admin/mfa/users', fields: ['q'], body: 'none' },
  { method: 'GET', path: '/admin/mfa/users/{id}', fields: [], body: 'none' },
  { method: 'POST', path: '/admin/mfa/users/{id}/reset', fields: ['_csrf', 'factor'], body: 'form' },
  { method: 'POST', path: '/admin/mfa/users/{id}/unlock', fields: ['_csrf', 'factor'], body: 'form' },
  { method: 'GET', path: '/admin/mfa/report', fields: ['days'], body: 'none' },
  { method: 'GET', path: '/admin/tool/mobile/launch.php', fields: ['service', 'passport', 'urlscheme', 'confirmed'], body: 'none' },
  { method: 'GET', path: '/admin/tool/mobile/launch.php', fields: ['service', 'passport', 'urlscheme'], body: 'none' },
  { method: 'POST', path: '/admin/tool/mobile/launch.php', fields: ['_csrf', 'service', 'passport', 'urlscheme'], body: 'form' },
  { method: 'GET', path: '/mfa/assets/site.css', fields: [], body: 'none' },
  { method: 'GET', path: '/assets/{file}', fields: [], body: 'none' },
  { method: 'POST', path: '/login/token.php', fields: ['username', 'password', 'service', 'mfa_token', 'mfa_code', 'mfa_factor', 'mfa_send'], body: 'form' },
  { method: 'GET', path: '/login/token.php', fields: ['username', 'password', 'service', 'mfa_token', 'mfa_code'], body: 'none' },
  { method: 'POST', path: '/lib/ajax/service-nologin.php', fields: ['info', 'lang'], body: 'json' },
  { method: 'POST', path: '/webservice/rest/server.php', fields: ['wstoken', 'wsfunction', 'moodlewsrestformat', 'moodlewssettingfilter'], body: 'form' },
];

export function fuzzRoutes(): FuzzRoute[] {
  return [...openapiRoutes(), ...SITE_ROUTES];
}
