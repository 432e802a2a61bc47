import { createCipheriv, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createMfaPlugin, type MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { Host } from '../../plugin/spi/host.ts';

/** A value as mfa-bridge sealed it before per-purpose keys: AES-256-GCM under the raw key, `v1:iv:tag:body`. */
export function sealedBeforeSubkeys(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
}

/**
 * Turns a user's TOTP device row back into what a database from before per-purpose keys
 * holds: the same base32 secret, sealed `v1` under the raw master key.
 */
export async function sealTotpAsBeforeSubkeys(db: Knex, userId: string, base32Secret: string, rawKey: Buffer): Promise<void> {
  const updated = await db('mfa_user_factors')
    .where({ user_id: userId, factor: 'totp' })
    .update({ secret: sealedBeforeSubkeys(rawKey, base32Secret, `totp:${userId}`) });
  if (updated !== 1) throw new Error(`expected one TOTP device of user ${userId}, found ${updated}`);
}

/** The plugin over the same database and host, as a site restarted with other keys would run it. */
export function pluginWithKeys(parts: { db: Knex; host: Host; now: () => number }, secretKey: Buffer, oldSecretKeys: Buffer[] = []): MfaPlugin {
  return createMfaPlugin({ db: parts.db, host: parts.host, now: parts.now, secretKey, oldSecretKeys });
}

/** The sealed secret of a user's TOTP device, as stored. */
export async function storedTotpSecret(db: Knex, userId: string): Promise<string> {
  const row = await db('mfa_user_factors').where({ user_id: userId, factor: 'totp' }).first('secret');
  return String(row?.secret);
}
