import { constantTimeEqual, hashToken, randomToken } from '../../crypto/tokens.ts';
import { MfaError } from '../../errors.ts';
import { describeBrowser } from '../../net/describeBrowser.ts';
import type { FactorContext } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { approximateNetwork } from './approximateNetwork.ts';
import { canonicalMessage, verifyDeviceSignature } from './deviceSignature.ts';
import { drawPairingCode, hashPairingCode, PAIRING_CODE_PURPOSE, PAIRING_CODE_TRIES, PAIRING_CODE_TTL_MS } from './pairingCode.ts';
import { deviceHandle, isDevice, type PublicKeyJwk, type PushDeviceRecord, pushStorage } from './pushRecords.ts';

/** A QR code is scanned within minutes or not at all; a short life bounds a photographed code. */
export const PAIRING_TTL_MS = 10 * 60_000;
export const DEVICE_PAGE_PATH = '/push/device';
const DEFAULT_LABEL = 'My phone';

/** What "Pair a phone" gives the security page, and what it is shown again while it waits. */
export interface PushSetup {
  setupId: number;
  label: string;
  /**
   * `<site origin>/push/device?pair=<device handle>.<one-time secret>`, for the QR code: only
   * when the pairing begins. The secret is stored hashed, so a page shown again (the door's
   * status poll, a reload) has no link; "Show a new code" begins again.
   */
  pairingUrl: string | null;
  /** A phone has used the link; the owner types the code it shows next. */
  paired: boolean;
  /** The phone that used the link: the name it gave itself, and what the site saw of it. */
  phone: { name: string; browser: string; network: string | null } | null;
  /** When the link stops working; once a phone used it, when the code it shows does. */
  expiresAt: number;
}

function labelFrom(input: Record<string, unknown>): string {
  const label = typeof input.label === 'string' ? input.label.trim() : '';
  return label.length >= 1 && label.length <= 100 ? label : DEFAULT_LABEL;
}

/**
 * Starts pairing: a pending record holding only the hash of a one-time secret, and the
 * link with the secret for the QR code. Abandoned pairings of the user go first, so a user
 * clicking "Pair a phone" again and again keeps one open pairing.
 */
export async function beginPairing(context: FactorContext, user: HostUser, input: Record<string, unknown>): Promise<PushSetup> {
  const { records } = pushStorage(context);
  for (const stale of await records.list(user.id, 'pending')) {
    if (isDevice(stale)) await records.remove(user.id, stale.id);
  }
  const secret = randomToken(24);
  const expiresAt = context.now() + PAIRING_TTL_MS;
  const record = await records.insert(user.id, { label: labelFrom(input), data: { kind: 'device', key: null, pairing: { secretHash: hashToken(secret), expiresAt }, pairedAt: null } });
  // Only a record with a key can clash; a pairing has none.
  if (!record) throw new MfaError('INVALID_INPUT', 'A phone is being paired already. Finish it, or start again.');
  return setupOf(context, record, secret, expiresAt);
}

/**
 * The pairing as it stands (the door's page polls this while it waits): opened by a phone or
 * not, no link. Null once it is gone: confirmed, removed, expired, or void after wrong codes.
 */
export async function resumePairing(context: FactorContext, user: HostUser, input: Record<string, unknown>): Promise<PushSetup | null> {
  const record = await pendingPairing(context, user.id, input.setupId);
  const pairing = record?.data.pairing;
  if (!record || !pairing || context.now() >= pairing.expiresAt) return null;
  if (record.data.key === null) return { setupId: record.id, label: record.label, pairingUrl: null, paired: false, phone: null, expiresAt: pairing.expiresAt };
  if (!pairing.code || pairing.code.wrongTries >= PAIRING_CODE_TRIES) return null;
  const phone = { name: record.label, browser: pairing.phone?.browser ?? 'Browser', network: pairing.phone?.network ?? null };
  return { setupId: record.id, label: record.label, pairingUrl: null, paired: true, phone, expiresAt: pairing.expiresAt };
}

function setupOf(context: FactorContext, record: { id: number; userId: string; label: string }, secret: string, expiresAt: number): PushSetup {
  const pairingUrl = `${context.host.siteOrigin()}${DEVICE_PAGE_PATH}?pair=${encodeURIComponent(`${deviceHandle(record)}.${secret}`)}`;
  return { setupId: record.id, label: record.label, pairingUrl, paired: false, phone: null, expiresAt };
}

/** The user's pairing `setupId` names, while it is one (not yet confirmed). */
export async function pendingPairing(context: FactorContext, userId: string, setupId: unknown): Promise<PushDeviceRecord | null> {
  const id = typeof setupId === 'number' ? setupId : typeof setupId === 'string' && /^[0-9]{1,15}$/.test(setupId) ? Number(setupId) : NaN;
  if (!Number.isSafeInteger(id)) return null;
  const record = await pushStorage(context).records.get(userId, id);
  if (!record || !isDevice(record) || record.confirmedAt !== null || !record.data.pairing) return null;
  return record;
}

export type PairingResult = { paired: true; device: string; label: string; code: string } | { paired: false; status: 400 | 401 | 409 | 410; message: string };

const USED: PairingResult = {
  paired: false,
  status: 409,
  message:
    'A phone has already been paired with this link; it counts only once the code it shows is typed on your computer. If that phone is not yours, type nothing there: choose “Show a new code” on your computer and scan the new code with this phone.',
};

/**
 * The phone opened the QR link: it registers its public key, signing the pairing link with
 * the private key (so nobody can pair a key they do not hold), and is given the code to show.
 * That pairs nothing yet: the owner types the code on the computer that began the pairing
 * (confirmPairing.ts). The secret is spent in the same swap that stores the key: a second
 * phone with the same link finds it used, and neither replaces the first nor learns its code.
 */
export async function pairDevice(
  context: FactorContext,
  request: { pair: string; name: string; key: PublicKeyJwk; signature: string },
  from: { ip: string | null; userAgent: string | null },
): Promise<PairingResult> {
  const dot = request.pair.lastIndexOf('.');
  const handle = request.pair.slice(0, dot);
  const secret = request.pair.slice(dot + 1);
  const unknown: PairingResult = { paired: false, status: 410, message: 'This pairing code is not valid any more. On your computer, choose “Pair a phone” again and scan the new code.' };
  const match = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]+)$/.exec(handle);
  if (dot < 1 || !match) return { paired: false, status: 400, message: 'This is not a pairing link of this site. Scan the code on your security page again.' };
  const userId = Buffer.from(match[2] ?? '', 'base64url').toString('utf8');
  const record = await pendingPairing(context, userId, match[1]);
  const pairing = record?.data.pairing;
  if (!record || !pairing) return unknown;
  if (pairing.secretHash === null) return USED;
  if (!constantTimeEqual(hashToken(secret), pairing.secretHash) || context.now() >= pairing.expiresAt) return unknown;
  if (!verifyDeviceSignature(request.key, canonicalMessage('pair', [request.pair, request.name]), request.signature)) {
    return { paired: false, status: 401, message: 'The phone’s key did not sign the pairing. Reload this page and try again.' };
  }
  const label = request.name.trim() || record.label;
  const now = context.now();
  const code = drawPairingCode();
  const opened = {
    secretHash: null,
    expiresAt: now + PAIRING_CODE_TTL_MS,
    code: { hash: hashPairingCode(context.keyedHash(PAIRING_CODE_PURPOSE), record.id, code), wrongTries: 0 },
    phone: { browser: describeBrowser(from.userAgent), network: approximateNetwork(from.ip) },
  };
  const written = await pushStorage(context).records.update(record, { label, data: { kind: 'device', key: request.key, pairing: opened, pairedAt: now } });
  if (!written) return USED;
  return { paired: true, device: deviceHandle(record), label, code };
}
