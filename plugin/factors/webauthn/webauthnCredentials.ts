import type { WebAuthnCredential } from '@simplewebauthn/server';
import type { KeyedHash } from '../../crypto/keyedHash.ts';
import type { FactorDevice } from '../../spi/factor.ts';
import type { FactorRecord } from '../../spi/factorStorage.ts';

export const WEBAUTHN_FACTOR_ID = 'webauthn';

/** COSE algorithms we offer and accept (§5.8.3): EdDSA, ES256, RS256; the same list at both steps of registration. */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

/**
 * A registered credential's record data. The record's key is the credential id (unique:
 * §7.1 step 22); `secret` holds the public key (base64url, not a secret) and `counter` the
 * signature counter, under the names of the columns they had before the storage API.
 */
export interface StoredCredentialData {
  secret?: string;
  counter?: number;
  transports: string[];
  /** base64url of the user.id the credential was made for; compared with an assertion's userHandle (§7.2 step 6). */
  userHandle: string;
  deviceType?: 'singleDevice' | 'multiDevice';
  backedUp?: boolean;
}

/** A pending registration's record data (the record is pending until the attestation checks out). */
export interface PendingRegistrationData {
  challenge: string;
  expiresAt: number;
  userHandle: string;
}

/** The purpose user handles are derived under (FactorContext.keyedHash). */
export const USER_HANDLE_PURPOSE = 'webauthn/user-handle';

/**
 * The user handle (user.id) we give authenticators: opaque per user, derived with a
 * subkey so it needs no table and never carries the username (§14.6.1: "It is
 * RECOMMENDED to let the user handle be 64 random bytes" and hold no PII).
 *
 * It must stay the same for a user across keys (an authenticator keeps one passkey per
 * user handle), so a user who already has a credential keeps that credential's handle
 * (`existingUserHandle`); a derived one is only for a user's first.
 */
export function userHandleFor(handles: KeyedHash, userId: string): Uint8Array {
  return new Uint8Array(handles.bytes(['webauthn-user-handle', userId]));
}

/** The user handle the user's credentials were made with (base64url), if they have one: kept through key changes. */
export function existingUserHandle(credentials: readonly WebauthnRecord[]): Uint8Array | null {
  const handle = credentials.map((record) => credentialDataOf(record).userHandle).find((value) => value !== '');
  return handle ? new Uint8Array(Buffer.from(handle, 'base64url')) : null;
}

/** Any record of this factor: a registered credential or a pending registration. */
export type WebauthnRecord = FactorRecord<Partial<StoredCredentialData & PendingRegistrationData>>;

export function credentialDataOf(record: WebauthnRecord): StoredCredentialData {
  const data = record.data;
  return {
    secret: data.secret,
    counter: Number(data.counter ?? 0),
    transports: Array.isArray(data.transports) ? data.transports : [],
    userHandle: typeof data.userHandle === 'string' ? data.userHandle : '',
  };
}

/** The record as SimpleWebAuthn's WebAuthnCredential. */
export function credentialOf(record: WebauthnRecord): WebAuthnCredential {
  const data = credentialDataOf(record);
  return {
    id: record.key ?? '',
    publicKey: new Uint8Array(Buffer.from(data.secret ?? '', 'base64url')),
    counter: data.counter ?? 0,
    transports: data.transports,
  };
}

export function toDevice(record: WebauthnRecord): FactorDevice {
  return { id: record.id, factor: WEBAUTHN_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

/** A record is a usable credential once it is confirmed and has a credential id and public key. */
export function isRegisteredCredential(record: WebauthnRecord): boolean {
  return record.confirmedAt !== null && record.key !== null && !!record.data.secret;
}
