import type { WebAuthnCredential } from '@simplewebauthn/server';
import type { KeyedHash } from '../../crypto/keyedHash.ts';
import type { FactorDevice } from '../../spi/factor.ts';
import type { UserFactorRecord } from '../../store/userFactorRecords.ts';

export const WEBAUTHN_FACTOR_ID = 'webauthn';

/** COSE algorithms we offer and accept (§5.8.3): EdDSA, ES256, RS256; the same list at both steps of registration. */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

/** The `data` JSON of a registered credential's mfa_user_factors row. */
export interface StoredCredentialData {
  transports: string[];
  /** base64url of the user.id the credential was made for; compared with an assertion's userHandle (§7.2 step 6). */
  userHandle: string;
  deviceType?: 'singleDevice' | 'multiDevice';
  backedUp?: boolean;
}

/** The `data` JSON of a pending registration (confirmed_at is null until the attestation checks out). */
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
export function existingUserHandle(credentials: readonly UserFactorRecord[]): Uint8Array | null {
  const handle = credentials.map((record) => credentialDataOf(record).userHandle).find((value) => value !== '');
  return handle ? new Uint8Array(Buffer.from(handle, 'base64url')) : null;
}

export function credentialDataOf(record: UserFactorRecord): StoredCredentialData {
  const data = record.data as Partial<StoredCredentialData>;
  return { transports: Array.isArray(data.transports) ? data.transports : [], userHandle: typeof data.userHandle === 'string' ? data.userHandle : '' };
}

/** The record as SimpleWebAuthn's WebAuthnCredential; the public key is kept base64url in `secret` (not a secret). */
export function credentialOf(record: UserFactorRecord): WebAuthnCredential {
  return {
    id: record.credentialId ?? '',
    publicKey: new Uint8Array(Buffer.from(record.secret ?? '', 'base64url')),
    counter: record.counter,
    transports: credentialDataOf(record).transports,
  };
}

export function toDevice(record: UserFactorRecord): FactorDevice {
  return { id: record.id, factor: WEBAUTHN_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

/** A row is a usable credential once it is confirmed and has a credential id. */
export function isRegisteredCredential(record: UserFactorRecord): boolean {
  return record.factor === WEBAUTHN_FACTOR_ID && record.confirmedAt !== null && record.credentialId !== null && !!record.secret;
}
