import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestKeyStatus, keyedHash } from '../../plugin/crypto/keyedHash.ts';
import { KeyRing, keyIdOf, parseOldSecretKeys, parseSecretKey } from '../../plugin/crypto/keyRing.ts';
import { SecretBox } from '../../plugin/crypto/secretBox.ts';
import { isMfaError } from '../../plugin/errors.ts';
import { sealedBeforeSubkeys } from '../support/keyRotation.ts';

describe('per-purpose keys (HKDF-SHA-256)', () => {
  it('derives a different subkey for every purpose, none equal to the master key', () => {
    const master = randomBytes(32);
    const keys = new KeyRing(master);
    const subkeys = (['secret-box', 'known-sign-in', 'factor/email/login-code', 'factor/email/setup-code', 'factor/recovery-codes/code', 'factor/webauthn/user-handle'] as const).map((p) =>
      keys.subkey(p).toString('hex'),
    );
    assert.equal(new Set([...subkeys, master.toString('hex')]).size, subkeys.length + 1);
    assert.ok(subkeys.every((hex) => hex.length === 64));
    assert.equal(keys.subkey('secret-box').toString('hex'), new KeyRing(master).subkey('secret-box').toString('hex'), 'the same key derives the same subkeys on every instance');
  });

  it('a digest made for one purpose does not verify under another, nor under another key', () => {
    const keys = new KeyRing(randomBytes(32));
    const loginCodes = keyedHash(keys, 'factor/email/login-code');
    const setupCodes = keyedHash(keys, 'factor/email/setup-code');
    const stored = loginCodes.digest(['email:attempt-1', '123456']);
    assert.ok(loginCodes.matches(stored, ['email:attempt-1', '123456']));
    assert.equal(loginCodes.matches(stored, ['email:attempt-1', '123457']), false);
    assert.equal(setupCodes.matches(stored, ['email:attempt-1', '123456']), false, 'another purpose');
    assert.equal(keyedHash(new KeyRing(randomBytes(32)), 'factor/email/login-code').matches(stored, ['email:attempt-1', '123456']), false, 'another key');
    assert.notEqual(loginCodes.bytes(['x']).toString('hex'), setupCodes.bytes(['x']).toString('hex'));
  });

  it('refuses a purpose that is not lowercase words joined by /', () => {
    const keys = new KeyRing(randomBytes(32));
    assert.throws(() => keys.subkey('factor/Email code'), (error) => isMfaError(error, 'CONFIGURATION') && /not a key purpose/.test(error.message));
  });

  it('checks digests made before subkeys (raw key) and under an old key, for as long as that key is configured', () => {
    const [old, current] = [randomBytes(32), randomBytes(32)];
    const legacy = createHmac('sha256', old).update('recovery:salt').update('\0').update('abcdefghijklmnop').digest('hex');
    const underOld = keyedHash(new KeyRing(old), 'factor/recovery-codes/code').digest(['recovery:salt', 'abcdefghijklmnop']);
    const rotated = new KeyRing(current, [old]);
    const codes = keyedHash(rotated, 'factor/recovery-codes/code');
    assert.ok(codes.matches(legacy, ['recovery:salt', 'abcdefghijklmnop']));
    assert.ok(codes.matches(underOld, ['recovery:salt', 'abcdefghijklmnop']));
    assert.equal(codes.matches(legacy, ['recovery:salt', 'bbcdefghijklmnop']), false);
    assert.deepEqual([digestKeyStatus(rotated, legacy), digestKeyStatus(rotated, underOld), digestKeyStatus(rotated, codes.digest(['a']))], ['legacy', 'old', 'current']);
    const dropped = keyedHash(new KeyRing(current), 'factor/recovery-codes/code');
    assert.equal(dropped.matches(legacy, ['recovery:salt', 'abcdefghijklmnop']), false, 'the old key is gone');
    assert.equal(dropped.matches(underOld, ['recovery:salt', 'abcdefghijklmnop']), false, 'the old key is gone');
    assert.equal(digestKeyStatus(new KeyRing(current), underOld), 'unknown-key');
  });

  it('reads MFA_SECRET_KEY as base64 or hex and MFA_OLD_SECRET_KEYS as a comma list, naming a bad entry', () => {
    const key = randomBytes(32);
    assert.deepEqual(parseSecretKey(key.toString('hex')), key);
    assert.deepEqual(parseOldSecretKeys(` ${key.toString('base64')} ,, ${key.toString('hex')} `), [key, key]);
    assert.deepEqual(parseOldSecretKeys(undefined), []);
    assert.throws(() => parseOldSecretKeys(`${key.toString('base64')},short`), /Key 2 of MFA_OLD_SECRET_KEYS must be 32 random bytes/);
    const ring = new KeyRing(key, [key, randomBytes(32)]);
    assert.equal(ring.old.length, 1, 'the current key listed as old too is one key');
    assert.match(keyIdOf(key), /^[A-Za-z0-9_-]{8}$/);
    assert.ok(!key.toString('base64url').includes(keyIdOf(key)));
  });
});

describe('the secret box across keys', () => {
  it('tags what it seals with the current key id and opens values sealed before subkeys', () => {
    const master = randomBytes(32);
    const box = new SecretBox(new KeyRing(master));
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:7');
    assert.ok(sealed.startsWith(`v2:${keyIdOf(master)}:`));
    assert.ok(box.isCurrent(sealed) && SecretBox.isSealed(sealed));
    assert.equal(box.open(sealed, 'totp:7'), 'JBSWY3DPEHPK3PXP');
    assert.throws(() => box.open(sealed, 'totp:8'), /did not decrypt under its key .*copied from another account/);
    const legacy = sealedBeforeSubkeys(master, 'JBSWY3DPEHPK3PXP', 'totp:7');
    assert.ok(SecretBox.isSealed(legacy) && !box.isCurrent(legacy));
    assert.equal(box.open(legacy, 'totp:7'), 'JBSWY3DPEHPK3PXP');
    const resealed = box.reseal(legacy, 'totp:7');
    assert.ok(resealed && box.isCurrent(resealed));
    assert.equal(box.open(resealed, 'totp:7'), 'JBSWY3DPEHPK3PXP');
    assert.equal(box.reseal(resealed, 'totp:7'), null, 'nothing to do twice');
    // Under the raw key in the new format would be a mistake: the box never uses the master key directly.
    assert.notEqual(Buffer.from(new KeyRing(master).subkey('secret-box')).toString('hex'), master.toString('hex'));
  });

  it('opens a value under an old key, and says which key to put back once that key is dropped', () => {
    const [old, current] = [randomBytes(32), randomBytes(32)];
    const sealed = new SecretBox(new KeyRing(old)).seal('secret', 'totp:1');
    const legacy = sealedBeforeSubkeys(old, 'secret', 'totp:1');
    const rotated = new SecretBox(new KeyRing(current, [old]));
    assert.equal(rotated.open(sealed, 'totp:1'), 'secret');
    assert.equal(rotated.open(legacy, 'totp:1'), 'secret');
    const dropped = new SecretBox(new KeyRing(current));
    assert.throws(
      () => dropped.open(sealed, 'totp:1'),
      (error) => isMfaError(error, 'CONFIGURATION') && error.message === `A stored secret was sealed under a key that is not configured (key id ${keyIdOf(old)}): put that key back in MFA_OLD_SECRET_KEYS.`,
    );
    assert.throws(() => dropped.open(legacy, 'totp:1'), /could not be decrypted with MFA_SECRET_KEY or any key in MFA_OLD_SECRET_KEYS/);
    assert.throws(() => dropped.open('plain text', 'totp:1'), /not in a format this version can read/);
  });
});
