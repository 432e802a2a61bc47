import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TIMESTAMP_WINDOW_MS } from '../../plugin/bridge/authenticateBridgeRequest.ts';
import { canonicalRequest, SIGNING_KEY_LABEL, signingKeyFromSecret, signRequest } from '../../plugin/bridge/requestSignature.ts';
import { BRIDGE_TEST_VECTOR } from '../support/bridgeTestVector.ts';

/**
 * docs/bridge-protocol.md is what other languages' clients are written from: its test vector
 * and signing rules must be the code's, to the byte, or a client built from it fails.
 */
const DOCUMENT = readFileSync(new URL('../../docs/bridge-protocol.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = DOCUMENT.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `docs/bridge-protocol.md has a "## ${title}" section`);
  const end = DOCUMENT.indexOf('\n## ', start + 1);
  return DOCUMENT.slice(start, end === -1 ? undefined : end);
}

/** The vector table's rows: `| name | \`value\` |`. */
function vectorRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section('Test vector').split('\n')) {
    const row = /^\| ([^|`]+?) \| `([^`]*)` \|$/.exec(line);
    if (row) rows.set(row[1]!, row[2]!);
  }
  return rows;
}

function row(name: string): string {
  const value = vectorRows().get(name);
  assert.ok(value !== undefined, `the test vector table has a "${name}" row`);
  return value;
}

/** The canonical request as the document prints it: the section's ```text block. */
function printedCanonicalRequest(): string {
  const block = /\n```text\n([\s\S]*?)\n```\n/.exec(section('Test vector'));
  assert.ok(block, 'the test vector section prints the canonical request in a ```text block');
  return block[1]!;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('docs/bridge-protocol.md agrees with the code', () => {
  it('prints the test vector the code signs: signing key, body hashes, canonical request and both signatures', () => {
    const parts = { method: row('method'), path: row('path'), timestamp: row('timestamp'), nonce: row('nonce'), body: row('body') };
    const key = signingKeyFromSecret(row('secret'));
    assert.equal(row('signing key (hex)'), key.toString('hex'));
    assert.equal(row('body SHA-256'), sha256Hex(parts.body));
    assert.equal(printedCanonicalRequest(), canonicalRequest(parts));
    assert.equal(row('signature'), signRequest(key, parts));
    const emptyBody = { ...parts, method: 'GET', path: row('empty-body path'), body: '' };
    assert.equal(row('empty-body SHA-256'), sha256Hex(''));
    assert.equal(row('empty-body signature'), signRequest(key, emptyBody));
  });

  it('prints the same vector the signing tests and the Java provider pin', () => {
    const v = BRIDGE_TEST_VECTOR;
    assert.deepEqual(
      ['secret', 'signing key (hex)', 'method', 'path', 'timestamp', 'nonce', 'body', 'signature', 'empty-body path', 'empty-body signature'].map(row),
      [v.secret, v.signingKeyHex, v.method, v.path, v.timestamp, v.nonce, v.body, v.signature, v.emptyBodyPath, v.emptyBodySignature],
    );
    assert.equal(printedCanonicalRequest(), v.canonicalRequest);
  });

  it('states the key derivation label, the signature scheme and the timestamp window the server uses', () => {
    const signing = section('Signing a request');
    assert.ok(signing.includes(`data = "${SIGNING_KEY_LABEL}")`), 'the key derivation label');
    assert.ok(signing.includes('signature  = "v1=" hex('), 'the v1= scheme');
    const window = String(TIMESTAMP_WINDOW_MS).replace(/\B(?=(\d{3})+$)/g, ' ');
    assert.ok(signing.includes(`within ${window} ms of the server's clock`), `a ${window} ms window`);
  });
});
