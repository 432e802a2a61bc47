import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRequest, signatureMatches, signingKeyFromSecret, signRequest } from '../../plugin/bridge/requestSignature.ts';
import { referenceSignature } from '../support/bridgeReferenceClient.ts';

/** The vector in /work/bridge-protocol.md ("Test vector"); the Java provider's JUnit test uses the same. */
const VECTOR = {
  secret: 'mbs_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  method: 'POST',
  path: '/bridge/v1/attempts/abc/verify',
  timestamp: '1767225600000',
  nonce: 'n0nce-0123456789abcdef',
  body: '{"factor":"totp","code":"123456"}',
  signingKeyHex: '22f709e05d0daa271144cd5d9d1b64eebccdade3077fd40c53cae988b8561682',
  signature: 'v1=17e9008de78c8d63f570506dc9dd57e3d2839f6bf8593899f85d8fd5f029ded8',
  /** The same request as a GET of /bridge/v1/attempts/abc with an empty body. */
  emptyBodySignature: 'v1=5920132273c717d9c154e716506f788bc5a1995b03ae69ef7fd58f9837642ff8',
};

describe('bridge request signing (bridge-protocol.md)', () => {
  it('derives the signing key and signs the fixed test vector', () => {
    const key = signingKeyFromSecret(VECTOR.secret);
    assert.equal(key.toString('hex'), VECTOR.signingKeyHex);
    assert.equal(
      canonicalRequest(VECTOR),
      'POST\n/bridge/v1/attempts/abc/verify\n1767225600000\nn0nce-0123456789abcdef\na57ba0093069c7bf2902ba51a3217e644564b11e565f16d361f960f43ca809d3',
    );
    assert.equal(signRequest(key, VECTOR), VECTOR.signature);
    assert.equal(signRequest(key, { ...VECTOR, method: 'GET', path: '/bridge/v1/attempts/abc', body: '' }), VECTOR.emptyBodySignature);
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
