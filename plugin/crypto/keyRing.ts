import { hkdfSync } from 'node:crypto';
import { MfaError } from '../errors.ts';

/**
 * The named uses of key material. Each gets its own subkey, derived with HKDF-SHA-256
 * (RFC 5869) with `info` = `mfa-bridge/<purpose>/v1`: a key or MAC made for one purpose
 * is worthless for another (a code hash cannot stand in for a sign-in key, and the
 * AES key never signs anything). Factors name theirs under `factor/` (e.g.
 * `factor/email/login-code`), chosen in their own folder, so they can never ask for
 * the engine's.
 */
export type KeyPurpose = 'secret-box' | 'known-sign-in' | 'password-device' | 'bridge/client-signing-key' | `factor/${string}`;

const PURPOSE = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/;
const KEY_ID_INFO = 'mfa-bridge/key-id/v1';
const SUBKEY_BYTES = 32;
/**
 * RFC 5869 §3.1: the salt matters when the input key is not uniformly random. Ours is
 * 32 random bytes (MFA_SECRET_KEY), so HKDF's default (zeros) is enough, and a fixed
 * salt keeps every instance deriving the same subkeys from the same key.
 */
const NO_SALT = Buffer.alloc(0);

/** One configured master key and its public name (`id`), which tags what it sealed. */
export interface MasterKey {
  /** 8 base64url characters derived from the key (one-way): names it in stored values and messages, reveals nothing. */
  readonly id: string;
  readonly key: Buffer;
}

function derive(key: Buffer, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', key, NO_SALT, info, bytes));
}

/** The public name of a master key: 6 bytes of HKDF under its own `info`, base64url. */
export function keyIdOf(key: Buffer): string {
  return derive(key, KEY_ID_INFO, 6).toString('base64url');
}

function masterKey(key: Buffer): MasterKey {
  if (key.length !== 32) throw new MfaError('CONFIGURATION', 'A secret key must be 32 bytes.');
  return { id: keyIdOf(key), key };
}

/**
 * The master keys: `current` (MFA_SECRET_KEY) seals and keys everything new; `old`
 * (MFA_OLD_SECRET_KEYS) only open and check what was made under them before a rotation.
 * Hands out per-purpose subkeys; the raw master keys are used only to read values made
 * before subkeys existed (SECURITY.md, "Keys").
 *
 * @example
 * const keys = new KeyRing(parseSecretKey(env.MFA_SECRET_KEY), parseOldSecretKeys(env.MFA_OLD_SECRET_KEYS));
 * const aesKey = keys.subkey('secret-box');
 */
export class KeyRing {
  readonly current: MasterKey;
  readonly old: readonly MasterKey[];
  private readonly subkeys = new Map<string, Buffer>();

  constructor(current: Buffer, old: readonly Buffer[] = []) {
    this.current = masterKey(current);
    // A key listed twice, or the current key listed as old too, is one key.
    const distinct = new Map<string, MasterKey>();
    for (const key of old.map(masterKey)) if (key.id !== this.current.id) distinct.set(key.id, key);
    this.old = [...distinct.values()];
  }

  /** Every key that may open or check a stored value: the current one first. */
  get accepted(): readonly MasterKey[] {
    return [this.current, ...this.old];
  }

  /** The configured key called `id`, if any. */
  find(id: string): MasterKey | undefined {
    return this.accepted.find((key) => key.id === id);
  }

  /** The 32-byte subkey for `purpose` under `master` (the current key unless named). */
  subkey(purpose: KeyPurpose, master: MasterKey = this.current): Buffer {
    if (!PURPOSE.test(purpose)) throw new MfaError('CONFIGURATION', `"${purpose}" is not a key purpose: lowercase words joined by / (e.g. factor/email/login-code).`);
    const cacheKey = `${master.id}|${purpose}`;
    let subkey = this.subkeys.get(cacheKey);
    if (!subkey) {
      subkey = derive(master.key, `mfa-bridge/${purpose}/v1`, SUBKEY_BYTES);
      this.subkeys.set(cacheKey, subkey);
    }
    return subkey;
  }
}

const MAKE_ONE = 'Make one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"';

/**
 * Reads a 32-byte key written as base64 (44 characters) or hex (64 characters), as in
 * MFA_SECRET_KEY. Anything else is refused with how to make one.
 */
export function parseSecretKey(text: string, name = 'MFA_SECRET_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new MfaError('CONFIGURATION', `${name} must be 32 random bytes written as base64 or hex. ${MAKE_ONE}`);
  return key;
}

/** MFA_OLD_SECRET_KEYS: keys separated by commas (spaces ignored); empty or unset is none. */
export function parseOldSecretKeys(text: string | undefined): Buffer[] {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.map((entry, i) => parseSecretKey(entry, `Key ${i + 1} of MFA_OLD_SECRET_KEYS`));
}
