import { MfaError } from '../../errors.ts';
import type { FactorContext, FactorLogins } from '../../spi/factor.ts';
import type { FactorRecord, FactorStorage } from '../../spi/factorStorage.ts';
import type { PushAttemptState } from './pushState.ts';

export const PUSH_FACTOR_ID = 'push';

/** A P-256 public key as WebCrypto exports it (JWK, RFC 7518 §6.2.1): public, so stored as it is. */
export interface PublicKeyJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/**
 * A phone of the user. Pending (record not confirmed) from "Pair a phone" until the user's
 * security page confirms it: first waiting for a phone to open the QR link (`pairing` set,
 * `key` null), then paired (`key` set) and waiting for that page. Only a confirmed record
 * with a key can answer pushes.
 */
export interface PushDeviceData {
  kind: 'device';
  key: PublicKeyJwk | null;
  /** The one-time pairing secret, hashed (SHA-256); null once a phone used it. */
  pairing: { secretHash: string | null; expiresAt: number } | null;
  pairedAt: number | null;
}

/**
 * Where a user's phones find the logins that wait for them: the attempts with an open push.
 * One record per user (never confirmed, so never a device); a push is also listed only
 * while the attempt's own state says it is open, so a stale entry shows nothing.
 */
export interface PushInboxData {
  kind: 'inbox';
  open: Array<{ attemptId: string; expiresAt: number }>;
}

export type PushRecordData = PushDeviceData | PushInboxData;

export type PushRecord = FactorRecord<PushRecordData>;
export type PushDeviceRecord = FactorRecord<PushDeviceData>;

export function isDevice(record: PushRecord): record is PushDeviceRecord {
  return record.data.kind === 'device';
}

/** A confirmed phone with its key: the only kind that may answer a push or read the user's open pushes. */
export function isPairedDevice(record: PushRecord): record is PushDeviceRecord & { data: { key: PublicKeyJwk } } {
  return isDevice(record) && record.confirmedAt !== null && record.data.key !== null;
}

export type PushStorage = FactorStorage<PushRecordData, PushAttemptState>;

/**
 * The factor's storage from the engine (FactorContext.storage). Typed once here: the engine
 * keeps each factor's records apart, and this factor writes only these shapes into them.
 */
export function pushStorage(context: FactorContext): PushStorage {
  return context.storage as PushStorage;
}

/** The engine's side of the login attempts (FactorContext.logins): finding one, reporting it, counting an answer. */
export function pushLogins(context: FactorContext): FactorLogins {
  return context.logins;
}

/**
 * How a phone names itself to the site: `<record id>.<user id, base64url>`. The engine keeps
 * records per user, so the user is part of the name. It is no secret: every request that
 * uses it is signed with the phone's key.
 */
export function deviceHandle(record: { id: number; userId: string }): string {
  return `${record.id}.${Buffer.from(record.userId, 'utf8').toString('base64url')}`;
}

export function parseDeviceHandle(handle: string): { id: number; userId: string } | null {
  const match = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{1,400})$/.exec(handle);
  if (!match) return null;
  const userId = Buffer.from(match[2] ?? '', 'base64url').toString('utf8');
  return userId === '' ? null : { id: Number(match[1]), userId };
}
