/**
 * The fixed signing vector of docs/bridge-protocol.md ("Test vector"): pinned against the code in
 * test/bridge/bridgeSignature.test.ts and against the document in
 * test/bridge/bridgeProtocolDocument.test.ts. The Java provider's BridgeRequestSignerTest uses the same.
 */
export const BRIDGE_TEST_VECTOR = {
  secret: 'mbs_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  method: 'POST',
  path: '/bridge/v1/attempts/abc/verify',
  timestamp: '1767225600000',
  nonce: 'n0nce-0123456789abcdef',
  body: '{"factor":"totp","code":"123456"}',
  signingKeyHex: '22f709e05d0daa271144cd5d9d1b64eebccdade3077fd40c53cae988b8561682',
  canonicalRequest: 'POST\n/bridge/v1/attempts/abc/verify\n1767225600000\nn0nce-0123456789abcdef\na57ba0093069c7bf2902ba51a3217e644564b11e565f16d361f960f43ca809d3',
  signature: 'v1=17e9008de78c8d63f570506dc9dd57e3d2839f6bf8593899f85d8fd5f029ded8',
  /** The same request as a GET of this path, with an empty body. */
  emptyBodyPath: '/bridge/v1/attempts/abc',
  emptyBodySignature: 'v1=5920132273c717d9c154e716506f788bc5a1995b03ae69ef7fd58f9837642ff8',
} as const;
