import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { MfaError } from '../../errors.ts';
import type { FactorContext, FactorDevice } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { UserFactorRecords } from '../../store/userFactorRecords.ts';
import type { RelyingParty } from './relyingParty.ts';
import { readRegistrationResponse } from './webauthnResponses.ts';
import {
  credentialDataOf,
  existingUserHandle,
  isRegisteredCredential,
  type PendingRegistrationData,
  type StoredCredentialData,
  SUPPORTED_ALGORITHM_IDS,
  toDevice,
  USER_HANDLE_PURPOSE,
  userHandleFor,
  WEBAUTHN_FACTOR_ID,
} from './webauthnCredentials.ts';

/** Step one of registering a key: what startRegistration({ optionsJSON }) needs, and the set-up to confirm. */
export type WebauthnSetup = {
  setupId: number;
  options: PublicKeyCredentialCreationOptionsJSON;
  expiresAt: number;
};

const DEFAULT_LABEL = 'Security key';

export function readLabel(input: Record<string, unknown>, fallback: string): string {
  const label = typeof input.label === 'string' ? input.label.trim() : '';
  if (label.length > 100) throw new MfaError('INVALID_INPUT', 'Give the security key a name of at most 100 characters.', { field: 'label' });
  return label || fallback;
}

function setupGone(): MfaError {
  return new MfaError('SETUP_EXPIRED', 'This security key set-up is no longer open. Start again.');
}

/** Creation options; the challenge waits in a pending mfa_user_factors row until the attestation comes back. */
export async function beginRegistration(context: FactorContext, rp: RelyingParty, user: HostUser, input: Record<string, unknown>): Promise<WebauthnSetup> {
  const records = new UserFactorRecords(context.db);
  const now = context.now();
  await records.removeStalePending(user.id, WEBAUTHN_FACTOR_ID, now - rp.timeoutMs);
  const existing = (await records.list(user.id, WEBAUTHN_FACTOR_ID)).filter(isRegisteredCredential);
  const userHandle = existingUserHandle(existing) ?? userHandleFor(context.keyedHash(USER_HANDLE_PURPOSE), user.id);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.username,
    userID: new Uint8Array(userHandle),
    timeout: rp.timeoutMs,
    attestationType: rp.attestation,
    // §5.4.3: one authenticator holds one credential per account; the browser refuses to make a second.
    excludeCredentials: existing.map((record) => ({ id: record.credentialId ?? '', transports: credentialDataOf(record).transports })),
    authenticatorSelection: {
      residentKey: 'preferred',
      userVerification: rp.userVerification,
      ...(rp.attachment === 'any' ? {} : { authenticatorAttachment: rp.attachment }),
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
  const expiresAt = now + rp.timeoutMs;
  const pending: PendingRegistrationData = { challenge: options.challenge, expiresAt, userHandle: options.user.id };
  const setupId = await records.insert({
    userId: user.id,
    factor: WEBAUTHN_FACTOR_ID,
    label: readLabel(input, DEFAULT_LABEL),
    data: { ...pending },
    createdAt: now,
    createdFromIp: typeof input.ip === 'string' ? input.ip : null,
  });
  return { setupId, options, expiresAt };
}

/**
 * Step two: checks the attestation (WebAuthn Level 2 §7.1) against the pending set-up and
 * registers the credential. The set-up is deleted before the check, so its challenge
 * answers once; a failed check means starting again.
 */
export async function confirmRegistration(context: FactorContext, rp: RelyingParty, user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
  const response = readRegistrationResponse(input);
  const records = new UserFactorRecords(context.db);
  const setupId = Number(input.setupId);
  const pending = Number.isInteger(setupId) ? await records.find(setupId) : null;
  if (!pending || pending.userId !== user.id || pending.factor !== WEBAUTHN_FACTOR_ID || pending.confirmedAt !== null) throw setupGone();
  if (!(await records.remove(user.id, WEBAUTHN_FACTOR_ID, pending.id))) throw setupGone();
  const data = pending.data as Partial<PendingRegistrationData>;
  const now = context.now();
  if (typeof data.challenge !== 'string' || typeof data.expiresAt !== 'number' || data.expiresAt <= now) {
    throw new MfaError('SETUP_EXPIRED', 'The security key took too long to answer. Start again.');
  }

  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: data.challenge, // step 8
      expectedOrigin: rp.origin, // step 9
      expectedRPID: rp.id, // step 13
      requireUserPresence: true, // step 14
      requireUserVerification: rp.userVerification === 'required', // step 15
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS, // step 16
    });
  } catch {
    verification = { verified: false };
  }
  if (!verification.verified) {
    throw new MfaError('INVALID_CODE', 'Your security key’s answer could not be verified. Start again, and use the key when your browser asks.');
  }
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  // Step 22: a credential id registered already (to anyone) is refused, not moved.
  const owner = await records.findByCredentialId(credential.id);
  if (owner) throw alreadyRegistered(owner.userId === user.id);
  const stored: StoredCredentialData = {
    transports: credential.transports ?? response.response.transports ?? [],
    userHandle: data.userHandle ?? '',
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
  };
  const label = readLabel(input, pending.label);
  let id: number;
  try {
    id = await records.insert({
      userId: user.id,
      factor: WEBAUTHN_FACTOR_ID,
      label,
      secret: Buffer.from(credential.publicKey).toString('base64url'),
      credentialId: credential.id,
      counter: credential.counter,
      data: { ...stored },
      createdAt: now,
      createdFromIp: pending.createdFromIp,
      confirmedAt: now,
    });
  } catch (error) {
    // The unique credential_id column lost a race with a parallel registration of the same key.
    if (await records.findByCredentialId(credential.id)) throw alreadyRegistered(true);
    throw error;
  }
  return toDevice({ ...pending, id, label, confirmedAt: now, lastUsedAt: null, createdAt: now });
}

/**
 * Renames one of the user's keys (the name they gave it); false when it is not theirs or
 * not there. Doors call this directly until the factor SPI has a rename.
 *
 * @example
 * await renameCredential(plugin.registry.context(settings), user, deviceId, 'Blue YubiKey');
 */
export async function renameCredential(context: FactorContext, user: HostUser, deviceId: number, label: string): Promise<boolean> {
  const name = readLabel({ label }, '');
  if (!name) throw new MfaError('INVALID_INPUT', 'Give the security key a name.', { field: 'label' });
  const records = new UserFactorRecords(context.db);
  const record = await records.find(deviceId);
  if (!record || record.userId !== user.id || !isRegisteredCredential(record)) return false;
  return records.rename(user.id, WEBAUTHN_FACTOR_ID, deviceId, name);
}

function alreadyRegistered(ownAccount: boolean): MfaError {
  return new MfaError(
    'INVALID_INPUT',
    ownAccount ? 'This security key is already registered to your account.' : 'This security key cannot be registered to your account.',
    { field: 'response' },
  );
}
