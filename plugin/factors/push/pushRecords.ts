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
 * A phone of the user. Pending (record not confirmed) from "Pair a phone" until the owner
 * types, on the security page that began it, the code the phone shows: first waiting for a
 * phone to open the QR link (`pairing` set, `key` null), then opened by one (`key` set) and
 * waiting for its code. Only a confirmed record with a key can answer pushes.
 */
export interface PushDeviceData {
  kind: 'device';
  key: PublicKeyJwk | null;
  pairing: PushPairingState | null;
  pairedAt: number | null;
}

/** A pairing under way. Written only by compare-and-swap on its record. */
export interface PushPairingState {
  /** The one-time link secret, hashed (SHA-256); null once a phone used it. */
  secretHash: string | null;
  /** Until a phone opens the link: when the link stops working; after: when its code does. */
  expiresAt: number;
  /**
   * The code the phone that opened the link shows, as a keyed hash (pairingCode.ts), and the
   * wrong codes typed so far. Absent on a pairing opened before codes existed: it must begin again.
   */
  code?: { hash: string; wrongTries: number };
  /** What the phone is, as the site saw it open the link: the owner's page shows it beside the name the phone chose. */
  phone?: { browser: string; network: string | null };
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
