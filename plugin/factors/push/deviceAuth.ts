import type { FactorContext } from '../../spi/factor.ts';
import { canonicalMessage, READ_NONCE_PURPOSE, readNonceIsFresh, verifyDeviceSignature } from './deviceSignature.ts';
import { PAIRING_CODE_TRIES } from './pairingCode.ts';
import { isDevice, isPairedDevice, parseDeviceHandle, type PublicKeyJwk, type PushDeviceRecord, type PushPairingState, pushStorage } from './pushRecords.ts';

function codeStillOpen(pairing: PushPairingState | null, now: number): boolean {
  return pairing?.code !== undefined && pairing.code.wrongTries < PAIRING_CODE_TRIES && now < pairing.expiresAt;
}

export type PairedDevice = PushDeviceRecord & { data: { key: PublicKeyJwk } };

/** Why a phone's request was refused: an HTTP status and a sentence for the person holding the phone. */
export interface DeviceRefusal {
  status: 400 | 401 | 403 | 404 | 409 | 410;
  error: string;
  message: string;
}

export const NOT_PAIRED: DeviceRefusal = {
  status: 403,
  error: 'not_paired',
  message: 'This phone is not paired with an account on this site (it may have been removed). Pair it again from your security page.',
};

export const NOT_CONFIRMED: DeviceRefusal = {
  status: 403,
  error: 'not_confirmed',
  message: 'Almost done: on your computer, type the code this phone shows. Only then is it paired.',
};

/** The confirmed phone a handle names, or the refusal. The handle is no secret: callers still check a signature. */
export async function findPairedDevice(context: FactorContext, handle: string): Promise<PairedDevice | DeviceRefusal> {
  const parsed = parseDeviceHandle(handle);
  if (!parsed) return { status: 400, error: 'invalid_device', message: 'The phone sent a device name this site does not use. Pair it again from your security page.' };
  const record = await pushStorage(context).records.get(parsed.userId, parsed.id);
  if (record && isPairedDevice(record)) return record;
  // It opened the link, but its code was not typed on the owner's security page yet: the phone waits, it keeps its key.
  // Once that code expired or was mistyped too often, the pairing is over: the phone forgets its key.
  if (record && isDevice(record) && record.data.key !== null && codeStillOpen(record.data.pairing, context.now())) return NOT_CONFIRMED;
  return NOT_PAIRED;
}

/**
 * A phone reading its open pushes (the SSE stream, or the polling fallback) proves it holds
 * the device key by signing a fresh server nonce: a device handle alone, seen in a log or
 * guessed, reads nothing.
 */
export async function authenticateRead(context: FactorContext, request: { device: string; nonce: string; signature: string }): Promise<PairedDevice | DeviceRefusal> {
  if (!readNonceIsFresh(context.keyedHash(READ_NONCE_PURPOSE), request.nonce, context.now())) {
    return { status: 401, error: 'stale_nonce', message: 'The phone’s request was too old. It asks again by itself; if this stays, reload the page.' };
  }
  const device = await findPairedDevice(context, request.device);
  if ('status' in device) return device;
  if (!verifyDeviceSignature(device.data.key, canonicalMessage('read', [request.device, request.nonce]), request.signature)) {
    return { status: 401, error: 'bad_signature', message: 'The request was not signed by this phone’s key. Pair the phone again from your security page.' };
  }
  return device;
}
