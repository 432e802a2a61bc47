import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateTotpCode, type TotpAlgorithm, verifyTotpCode } from '../../plugin/factors/totp/index.ts';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's key length.
const seeds: Record<TotpAlgorithm, Uint8Array> = {
  SHA1: new TextEncoder().encode('12345678901234567890'),
  SHA256: new TextEncoder().encode('12345678901234567890123456789012'),
  SHA512: new TextEncoder().encode('1234567890123456789012345678901234567890123456789012345678901234'),
};

const vectors: Array<[number, string, TotpAlgorithm]> = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1111111111, '14050471', 'SHA1'],
  [1111111111, '67062674', 'SHA256'],
  [1111111111, '99943326', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [1234567890, '91819424', 'SHA256'],
  [1234567890, '93441116', 'SHA512'],
  [2000000000, '69279037', 'SHA1'],
  [2000000000, '90698825', 'SHA256'],
  [2000000000, '38618901', 'SHA512'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

describe('TOTP codes (RFC 6238)', () => {
  for (const [seconds, code, algorithm] of vectors) {
    it(`matches Appendix B at T=${seconds} with ${algorithm}`, async () => {
      const parameters = { algorithm, digits: 8 as const, period: 30, secret: seeds[algorithm], now: seconds * 1000 };
      assert.equal(await generateTotpCode(parameters), code);
      const result = await verifyTotpCode({ ...parameters, code, window: 0 });
      assert.equal(result.valid, true);
    });
  }

  it('accepts the code of the step before or after within the window, and not two steps away', async () => {
    const secret = seeds.SHA1;
    const base = { algorithm: 'SHA1' as const, digits: 6 as const, period: 30, secret };
    const code = await generateTotpCode({ ...base, now: 1_000_000_000_000 });
    assert.equal((await verifyTotpCode({ ...base, code, now: 1_000_000_000_000 + 30_000, window: 1 })).valid, true);
    assert.equal((await verifyTotpCode({ ...base, code, now: 1_000_000_000_000 - 30_000, window: 1 })).valid, true);
    assert.equal((await verifyTotpCode({ ...base, code, now: 1_000_000_000_000 + 60_000, window: 1 })).valid, false);
  });

  it('refuses the step it last accepted and says it was a replay', async () => {
    const base = { algorithm: 'SHA1' as const, digits: 6 as const, period: 30, secret: seeds.SHA1, now: 1_000_000_000_000 };
    const code = await generateTotpCode(base);
    const first = await verifyTotpCode({ ...base, code, window: 1 });
    assert.ok(first.valid);
    const again = await verifyTotpCode({ ...base, code, window: 1, afterTimeStep: first.timeStep });
    assert.deepEqual(again, { valid: false, replayed: true });
  });

  it('answers malformed codes with a plain no instead of throwing', async () => {
    const base = { algorithm: 'SHA1' as const, digits: 6 as const, period: 30, secret: seeds.SHA1, now: 1_000_000_000_000, window: 1 };
    for (const code of ['', 'abcdef', '12345', '1234567', '12 34 5x', '１２３４５６']) {
      assert.deepEqual(await verifyTotpCode({ ...base, code }), { valid: false, replayed: false }, code);
    }
  });
});
