import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

/** The operations openapi.yaml documents, read from its layout (two-space path keys, four-space methods). */
function documentedOperations(): Array<{ method: 'get' | 'post' | 'delete'; path: string }> {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'openapi.yaml'), 'utf8');
  const section = text.slice(text.indexOf('\npaths:\n'), text.indexOf('\ncomponents:\n'));
  const operations: Array<{ method: 'get' | 'post' | 'delete'; path: string }> = [];
  let path = '';
  for (const line of section.split('\n')) {
    const pathKey = /^ {2}(\/\S*):$/.exec(line);
    if (pathKey?.[1]) path = pathKey[1];
    const method = /^ {4}(get|post|delete):$/.exec(line)?.[1] as 'get' | 'post' | 'delete' | undefined;
    if (method) operations.push({ method, path });
  }
  return operations;
}

describe('openapi.yaml and the API agree', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
    await site.addUser('reader');
  });
  after(() => site.close());

  it('documents at least the operations the issue asks for', () => {
    const listed = documentedOperations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    for (const op of ['POST /session', 'DELETE /session', 'GET /me', 'POST /mfa/key', 'POST /mfa', 'DELETE /mfa', 'POST /tokens', 'GET /tokens', 'DELETE /tokens/{id}']) {
      assert.ok(listed.includes(op), `${op} is documented`);
    }
  });

  it('has a route behind every documented operation', async () => {
    const auth = `Basic ${Buffer.from(`reader:${TEST_PASSWORD}`).toString('base64')}`;
    for (const { method, path } of documentedOperations()) {
      const url = `/api/v1${path.replace('{id}', 'identity:0')}`;
      const res = await supertest(site.app)[method](url).set('Authorization', auth).send({});
      assert.doesNotMatch(String(res.body.error), /^There is no /, `${method.toUpperCase()} ${url} is routed`);
      assert.ok(res.status < 500, `${method.toUpperCase()} ${url} answered ${res.status}`);
    }
  });
});
