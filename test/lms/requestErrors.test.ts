import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import supertest from 'supertest';
import { createTestSite, type TestSite } from '../support/testSite.ts';

/**
 * Requests the red team answered with a 500 and a stack trace (issue 11, finding 12): each
 * is the client's fault, so it gets a 4xx (Moodle's endpoints: 200 and an errorcode), and
 * nothing is logged as a database error.
 */
describe('the request’s own faults are 4xx, never 500 (issue 11 finding 12)', () => {
  let site: TestSite;
  const logged: string[] = [];
  const consoleError = console.error;
  before(async () => {
    site = await createTestSite('sqlite');
  });
  after(() => site.close());
  beforeEach(() => {
    logged.length = 0;
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
  });
  afterEach(() => {
    console.error = consoleError;
  });

  function assertClientError(res: supertest.Response, what: string): void {
    assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
    assert.doesNotMatch(res.text, /\bat .+\.(js|ts):\d+/, `${what}: no stack trace in the answer`);
    assert.equal(logged.length, 0, `${what}: nothing logged (${logged.join(' | ').slice(0, 300)})`);
  }

  for (const path of ['/assets/../x', '/assets/%2e%2e/x', '/assets/..%2f..%2fpackage.json', '/assets/%00', '/assets/a%00b.css']) {
    it(`answers GET ${path} with a 4xx`, async () => {
      assertClientError(await supertest(site.app).get(path).set('Accept', 'text/html'), path);
    });
  }

  for (const path of ['/mfa/assets/webauthn/%E0%A4%A', '/mfa/assets/webauthn/%', '/mfa/assets/webauthn/%zz.js']) {
    it(`answers a bad % escape in a route parameter (${path}) with 400`, async () => {
      const res = await supertest(site.app).get(path).set('Accept', 'text/html');
      assertClientError(res, path);
      assert.equal(res.status, 400);
      assert.match(res.text, /stray %/, 'a message a person can act on');
    });
  }

  const badBodies: Array<[string, string, Buffer | string]> = [
    ['gzip', 'not gzip at all', 'not gzip at all'],
    ['br', 'not brotli', 'not brotli'],
    ['gzip', 'truncated gzip', gzipSync(Buffer.from('username=a&password=b')).subarray(0, 12)],
    ['deflate', 'not deflate', 'xx'],
    ['br', 'brotli of bad JSON', brotliCompressSync(Buffer.from('{"no'))],
  ];
  for (const [encoding, what, body] of badBodies) {
    it(`answers a body that is ${what} (Content-Encoding: ${encoding}) in each door's contract`, async () => {
      const form = (path: string, type = 'application/x-www-form-urlencoded') =>
        supertest(site.app).post(path).set('Content-Encoding', encoding).set('Content-Type', type).send(body);
      const web = await form('/login').set('Accept', 'text/html');
      assertClientError(web, `/login ${what}`);
      assert.equal(web.status, 400);
      assert.match(web.text, /could not be read/);
      const api = await form('/api/v1/session', 'application/json').set('Accept', 'application/json');
      assertClientError(api, `/api/v1/session ${what}`);
      assert.equal(api.body.code, 'INVALID_INPUT');
      for (const [path, type] of [['/login/token.php', undefined], ['/webservice/rest/server.php', undefined], ['/lib/ajax/service-nologin.php', 'application/json']] as const) {
        const res = await form(path, type);
        assert.equal(res.status, 200, `${path}: Moodle's endpoints answer 200`);
        assert.equal(res.body.errorcode, 'invalidparameter', `${path} ${what}: ${res.text.slice(0, 200)}`);
        assert.equal(logged.length, 0, `${path}: nothing logged (${logged.join(' | ').slice(0, 300)})`);
      }
    });
  }
});
