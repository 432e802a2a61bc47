import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { beginSetupInput, challengeInput, confirmSetupInput, openAttemptInput, verifyInput } from '../../adapters/bridge/bridgeInput.ts';
import { bridgeClientOn } from '../support/bridgeReferenceClient.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

const TEXT = readFileSync(join(import.meta.dirname, '..', '..', 'bridge.openapi.yaml'), 'utf8');

/** The operations bridge.openapi.yaml documents, read from its layout (two-space path keys, four-space methods). */
function documentedOperations(): Array<{ method: 'get' | 'post'; path: string }> {
  const section = TEXT.slice(TEXT.indexOf('\npaths:\n'), TEXT.indexOf('\ncomponents:\n'));
  const operations: Array<{ method: 'get' | 'post'; path: string }> = [];
  let path = '';
  for (const line of section.split('\n')) {
    const pathKey = /^ {2}(\/\S*):$/.exec(line);
    if (pathKey?.[1]) path = pathKey[1];
    const method = /^ {4}(get|post):$/.exec(line)?.[1] as 'get' | 'post' | undefined;
    if (method) operations.push({ method, path });
  }
  return operations;
}

/** A request schema of components/schemas as documented: its required fields and its properties. */
function documentedSchema(name: string): { required: string[]; properties: string[] } {
  const start = TEXT.indexOf(`\n    ${name}:\n`);
  assert.ok(start > 0, `${name} is documented`);
  const lines = TEXT.slice(start + 1).split('\n').slice(1);
  const body = lines.slice(0, lines.findIndex((line) => /^ {4}\S/.test(line)));
  const required = /^ {6}required: \[(.*)\]$/.exec(body.find((line) => line.startsWith('      required:')) ?? '')?.[1]?.split(',').map((s) => s.trim()) ?? [];
  const properties = body.map((line) => /^ {8}(\w+):/.exec(line)?.[1]).filter((p): p is string => p !== undefined);
  return { required: required.sort(), properties: properties.sort() };
}

/** The same, from the zod schema the route validates with: the document is checked against the code. */
function validatedSchema(schema: z.ZodType): { required: string[]; properties: string[] } {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { required?: string[]; properties?: Record<string, unknown> };
  return { required: [...(json.required ?? [])].sort(), properties: Object.keys(json.properties ?? {}).sort() };
}

describe('bridge.openapi.yaml and the bridge agree', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
  });
  after(() => site.close());

  it('documents every call of the protocol', () => {
    const listed = documentedOperations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    assert.deepEqual(listed.sort(), [
      'GET /attempts/{attempt}',
      'POST /attempts',
      'POST /attempts/{attempt}/challenge',
      'POST /attempts/{attempt}/consume',
      'POST /attempts/{attempt}/verify',
      'POST /users/setup/{factor}',
      'POST /users/setup/{factor}/confirm',
    ]);
  });

  it('documents each request body as the route validates it (fields and which are required)', () => {
    const pairs: Array<[string, z.ZodType]> = [['OpenAttempt', openAttemptInput], ['Challenge', challengeInput], ['Verify', verifyInput], ['BeginSetup', beginSetupInput], ['ConfirmSetup', confirmSetupInput]];
    for (const [name, schema] of pairs) assert.deepEqual(documentedSchema(name), validatedSchema(schema), name);
  });

  it('has a route behind every documented operation, and none that is not documented', async () => {
    const { secret } = await site.bridge.clients.add({ clientId: 'kc-doc', platform: 'keycloak', actor: 'test' });
    const client = bridgeClientOn(site.app, { clientId: 'kc-doc', secret }, site.clock.now);
    for (const { method, path } of documentedOperations()) {
      const url = `/bridge/v1${path.replace('{attempt}', 'no-such-attempt')}`;
      const res = await client.call({ method: method === 'get' ? 'GET' : 'POST', path: url, body: method === 'get' ? undefined : {} });
      assert.doesNotMatch(String(res.body.error), /^There is no /, `${method.toUpperCase()} ${url} is routed`);
      assert.ok(res.status < 500, `${method.toUpperCase()} ${url} answered ${res.status}`);
    }
    const stray = await client.call({ method: 'POST', path: '/bridge/v1/attempts/x/cancel', body: {} }).expect(404);
    assert.match(stray.body.error, /^There is no POST \/bridge\/v1\/attempts\/x\/cancel/);
  });
});
