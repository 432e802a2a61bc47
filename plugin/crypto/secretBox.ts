import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MfaError } from '../errors.ts';

const VERSION = 'v1';

/**
 * Reads a 32-byte key written as base64 (44 characters) or hex (64 characters),
 * as in MFA_SECRET_KEY. Anything else is refused with how to make one.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new MfaError(
      'CONFIGURATION',
      'MFA_SECRET_KEY must be 32 random bytes written as base64 or hex. Make one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"',
    );
  }
  return key;
}

/**
 * Encrypts secrets at rest with AES-256-GCM (NIST SP 800-38D): a fresh 96-bit IV per
 * value, and `context` (e.g. `totp:<user id>`) as associated data, so a ciphertext
 * copied onto another user's row does not decrypt.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new MfaError('CONFIGURATION', 'The secret key must be 32 bytes.');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new MfaError('CONFIGURATION', 'A stored secret is not in a format this version can read.');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new MfaError('CONFIGURATION', 'A stored secret could not be decrypted: MFA_SECRET_KEY differs from the key it was sealed with.');
    }
  }
}
