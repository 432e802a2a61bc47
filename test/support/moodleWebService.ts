import assert from 'node:assert/strict';
import supertest from 'supertest';
import { MoodleAppClient } from './moodleApp.ts';
import type { TestSite } from './testSite.ts';

/** Arguments as the app holds them before sending: nested lists and maps of text. */
export type WsArgs = { [key: string]: string | WsArgs | WsArgs[] | string[] };

/** The app's PHP-style form encoding of nested arguments (src/core/services/ws.ts): `options[0][name]=...`. */
export function phpStyleForm(args: WsArgs, prefix = ''): Array<[string, string]> {
  return Object.entries(args).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}[${key}]` : key;
    return typeof value === 'string' ? [[name, value] as [string, string]] : phpStyleForm(value as WsArgs, name);
  });
}

export function encodeForm(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export const SERVER = '/webservice/rest/server.php';

/**
 * One web service call exactly as the Moodle app sends it (src/core/services/ws.ts and
 * authenticated-site.ts): POST to `server.php?moodlewsrestformat=json&wsfunction=<f>`, a
 * form body with the arguments, the three call settings, `wsfunction` and `wstoken`,
 * from the WebView's origin. `get: true` sends the same fields in the query string.
 */
export function appCall(site: TestSite, token: string, wsfunction: string, args: WsArgs = {}, options: { get?: boolean } = {}): supertest.Test {
  const pairs: Array<[string, string]> = [
    ...phpStyleForm(args),
    ['moodlewssettingfilter', 'true'],
    ['moodlewssettingfileurl', 'true'],
    ['moodlewssettinglang', 'en'],
    ['wsfunction', wsfunction],
    ['wstoken', token],
  ];
  const app = supertest(site.app);
  const request = options.get
    ? app.get(`${SERVER}?moodlewsrestformat=json&${encodeForm(pairs)}`)
    : app.post(`${SERVER}?moodlewsrestformat=json&wsfunction=${wsfunction}`).type('form').send(encodeForm(pairs));
  return request.set('Origin', 'http://localhost');
}

/** A token from login/token.php, as the app gets it. */
export async function appToken(site: TestSite, username: string): Promise<string> {
  const res = await new MoodleAppClient(site, 'POST').login(username);
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.equal(typeof res.body.token, 'string');
  return res.body.token;
}

/** What every answer of the REST server has: 200, JSON, CORS for the app's WebView. */
export function assertWsAnswer(res: supertest.Response): void {
  assert.equal(res.status, 200, `${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['access-control-allow-origin'], '*');
}

/** A success the app accepts: it fails any body carrying `exception` or `errorcode` (authenticated-site.ts performRequest). */
export function assertWsResult(res: supertest.Response): void {
  assertWsAnswer(res);
  assert.ok(!res.body || typeof res.body !== 'object' || (!('exception' in res.body) && !('errorcode' in res.body)), res.text.slice(0, 300));
}

/** Moodle's REST error body with the code expected. */
export function assertWsError(res: supertest.Response, errorcode: string, exception?: string): void {
  assertWsAnswer(res);
  assert.equal(res.body.errorcode, errorcode, res.text.slice(0, 300));
  assert.equal(typeof res.body.exception, 'string');
  if (exception) assert.equal(res.body.exception, exception);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
}
