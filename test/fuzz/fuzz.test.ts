import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFuzz, summaryLine } from './runFuzz.ts';
import { type SiteProcess, startSiteProcess } from './siteProcess.ts';

// The CI-sized run of `npm run fuzz` (which sends 10,000): the same generator, a fixed seed.

describe('malformed requests over every route', () => {
  let site: SiteProcess;
  before(async () => {
    site = await startSiteProcess();
  });
  after(() => site.stop());

  it('answers 1,000 generated malformed requests without a 5xx, and the site process lives on', async () => {
    const summary = await runFuzz({ origin: site.origin, adminPassword: site.adminPassword, count: 1_000, seconds: 120, seed: 20_251_123 });
    console.log(summaryLine(summary));
    assert.equal(summary.sent, 1_000, 'every request was sent and answered within the time bound');
    assert.deepEqual(summary.failures, [], 'no answer ≥ 500');
    assert.ok(Object.keys(summary.byStatus).some((status) => status.startsWith('2')), 'some requests got through to handlers');
    assert.ok(site.alive(), site.stderr().slice(-2000));
    assert.equal((await fetch(`${site.origin}/login`)).status, 200);
  });

  // Finding 12 of issue 11: each of these answered 5xx with a stack trace once.
  it('answers bad paths and bad compressed bodies with a 4xx', async () => {
    const gzipCut = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]);
    const cases: Array<[string, string, Record<string, string>, Buffer | undefined]> = [
      ['GET', '/assets/../x', {}, undefined],
      ['GET', '/assets/%00', {}, undefined],
      ['GET', '/assets/%zz', {}, undefined],
      ['POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, gzipCut],
      ['POST', '/api/v1/session', { 'content-type': 'application/json', 'content-encoding': 'br' }, Buffer.from('{"username":"a"}')],
      ['POST', '/mfa', { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'deflate' }, Buffer.from('code=1')],
    ];
    for (const [method, path, headers, body] of cases) {
      const res = await fetch(`${site.origin}${path}`, { method, headers, body: body ? new Uint8Array(body) : undefined, redirect: 'manual' });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} ${headers['content-encoding'] ?? ''} answered ${res.status}`);
    }
  });
});
