import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MfaError } from '../errors.ts';
import type { KeyRing } from './keyRing.ts';

export { parseSecretKey } from './keyRing.ts';

/** Sealed before subkeys: `v1:<iv>:<tag>:<body>`, AES key = the raw MFA_SECRET_KEY of its day. */
const LEGACY_VERSION = 'v1';
/** `v2:<key id>:<iv>:<tag>:<body>`, AES key = the `secret-box` subkey of the key named. */
const VERSION = 'v2';
const SEALED = /^v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]*$|^v2:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]*$/;

function unreadable(): MfaError {
  return new MfaError('CONFIGURATION', 'A stored secret is not in a format this version can read.');
}

function decrypt(key: Buffer, parts: { iv: string; tag: string; body: string }, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts.iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(parts.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(parts.body, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * Encrypts secrets at rest with AES-256-GCM (NIST SP 800-38D): a fresh 96-bit IV per
 * value, and `context` (e.g. `totp:<user id>`) as associated data, so a ciphertext
 * copied onto another user's row does not decrypt.
 *
 * New values are sealed under the current key's `secret-box` subkey and name that key
 * (its id, not the key), so a rotation knows what each value needs without trying keys.
 * Values sealed before subkeys existed (`v1`, under a raw master key) and values under an
 * old key still open while that key is configured; `reseal` moves them to the current key
 * (on use, and by `mfa-bridge keys rotate`).
 */
export class SecretBox {
  constructor(private readonly keys: KeyRing) {}

  /** Whether `value` is in this box's format (any version): what a rotation re-seals. */
  static isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  seal(plaintext: string, context: string): string {
    const master = this.keys.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.subkey('secret-box', master), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, master.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split(':');
    if (parts[0] === VERSION && parts.length === 5) {
      const [, keyId = '', iv = '', tag = '', body = ''] = parts;
      const master = this.keys.find(keyId);
      if (!master) {
        throw new MfaError('CONFIGURATION', `A stored secret was sealed under a key that is not configured (key id ${keyId}): put that key back in MFA_OLD_SECRET_KEYS.`, { keyId });
      }
      try {
        return decrypt(this.keys.subkey('secret-box', master), { iv, tag, body }, context);
      } catch {
        throw new MfaError('CONFIGURATION', `A stored secret did not decrypt under its key (key id ${keyId}): it was altered, or copied from another account.`, { keyId });
      }
    }
    if (parts[0] === LEGACY_VERSION && parts.length === 4) return this.openLegacy({ iv: parts[1] ?? '', tag: parts[2] ?? '', body: parts[3] ?? '' }, context);
    throw unreadable();
  }

  /** Whether `sealed` is already under the current key in the current format: nothing to re-seal. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}:${this.keys.current.id}:`);
  }

  /** The same secret sealed under the current key, or null when it already is. Throws as `open` does. */
  reseal(sealed: string, context: string): string | null {
    return this.isCurrent(sealed) ? null : this.seal(this.open(sealed, context), context);
  }

  /** A `v1` value names no key: it was sealed under whichever raw MFA_SECRET_KEY was set then, so each accepted key is tried (GCM's tag tells which). */
  private openLegacy(parts: { iv: string; tag: string; body: string }, context: string): string {
    for (const master of this.keys.accepted) {
      try {
        return decrypt(master.key, parts, context);
      } catch {
        // not this key
      }
    }
    throw new MfaError('CONFIGURATION', 'A stored secret (sealed before per-purpose keys) could not be decrypted with MFA_SECRET_KEY or any key in MFA_OLD_SECRET_KEYS: put the key it was sealed with back in MFA_OLD_SECRET_KEYS.');
  }
}
