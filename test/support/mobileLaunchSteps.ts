import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

// What the Moodle app does with browser sign-in (moodleapp login-helper.ts and urlschemes.ts):
// open launch.php with a passport, then take `<scheme>://token=<base64>` apart and check it.

export const LAUNCH_PATH = '/admin/tool/mobile/launch.php';

/** The launch URL the app opens, as a same-origin path. */
export function launchPath(passport: string, params: Record<string, string> = {}): string {
  return `${LAUNCH_PATH}?${new URLSearchParams({ service: 'moodle_mobile_app', passport, urlscheme: 'moodlemobile', ...params }).toString()}`;
}

/** A passport as the app makes one: `Math.random() * 1000` as text. */
export function newPassport(): string {
  return String(Math.random() * 1000);
}

export interface AppHandOff {
  scheme: string;
  siteHash: string;
  token: string;
  privateToken: string | undefined;
  parts: number;
}

/** Splits a hand-off URL the way the app does: strip `<scheme>://token=`, base64-decode, split on `:::`. */
export function decodeHandOff(url: string): AppHandOff {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/token=([A-Za-z0-9+/=]+)$/.exec(url);
  assert.ok(match, `a token URL: ${url.slice(0, 40)}...`);
  const [, scheme = '', encoded = ''] = match;
  // The app strips a trailing "/" before decoding (urlschemes.ts): padding keeps the last character safe.
  assert.ok(encoded.endsWith('='), 'the base64 ends in padding');
  const parts = Buffer.from(encoded, 'base64').toString('utf8').split(':::');
  return { scheme, siteHash: parts[0] ?? '', token: parts[1] ?? '', privateToken: parts[2], parts: parts.length };
}

/** The app's check (validateBrowserSSOLogin): md5 of its own site URL and the passport it sent. */
export function siteHash(siteUrl: string, passport: string): string {
  return createHash('md5').update(siteUrl + passport).digest('hex');
}

/** The "Open the app" link on the hand-off page. */
export function handOffLinkIn(page: string): string {
  const href = /<a id="launchapp"[^>]*href="([^"]+)"/.exec(page)?.[1];
  assert.ok(href, 'the page links to the app');
  return href.replaceAll('&amp;', '&');
}

/** The REST call the app makes right after (core_webservice_get_site_info), as form fields. */
export const SITE_INFO_CALL = { wsfunction: 'core_webservice_get_site_info', moodlewsrestformat: 'json' };
