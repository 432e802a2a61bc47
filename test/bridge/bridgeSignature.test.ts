import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRequest, signatureMatches, signingKeyFromSecret, signRequest } from '../../plugin/bridge/requestSignature.ts';
import { referenceSignature } from '../support/bridgeReferenceClient.ts';
import { BRIDGE_TEST_VECTOR } from '../support/bridgeTestVector.ts';

/** The vector of docs/bridge-protocol.md ("Test vector"); bridgeProtocolDocument.test.ts holds the document to it. */
const VECTOR = BRIDGE_TEST_VECTOR;

describe('bridge request signing (docs/bridge-protocol.md)', () => {
  it('derives the signing key and signs the fixed test vector', () => {
    const key = signingKeyFromSecret(VECTOR.secret);
    assert.equal(key.toString('hex'), VECTOR.signingKeyHex);
    assert.equal(canonicalRequest(VECTOR), VECTOR.canonicalRequest);
    assert.equal(signRequest(key, VECTOR), VECTOR.signature);
    assert.equal(signRequest(key, { ...VECTOR, method: 'GET', path: VECTOR.emptyBodyPath, body: '' }), VECTOR.emptyBodySignature);
  });

  it('agrees with the reference client, written from the protocol alone', () => {
    assert.equal(referenceSignature(VECTOR.secret, VECTOR), VECTOR.signature);
  });

  it('accepts only the exact signature: one changed byte of body, path, nonce or signature fails', () => {
    const key = signingKeyFromSecret(VECTOR.secret);
    assert.equal(signatureMatches(key, VECTOR, VECTOR.signature), true);
    assert.equal(signatureMatches(key, { ...VECTOR, body: VECTOR.body.replace('123456', '123457') }, VECTOR.signature), false);
    assert.equal(signatureMatches(key, { ...VECTOR, path: `${VECTOR.path}?x=1` }, VECTOR.signature), false);
    assert.equal(signatureMatches(key, { ...VECTOR, nonce: `${VECTOR.nonce}x` }, VECTOR.signature), false);
    assert.equal(signatureMatches(key, VECTOR, VECTOR.signature.toUpperCase()), false);
    assert.equal(signatureMatches(key, VECTOR, VECTOR.signature.slice(0, -1)), false);
    assert.equal(signatureMatches(signingKeyFromSecret(`${VECTOR.secret}x`), VECTOR, VECTOR.signature), false);
  });
});
