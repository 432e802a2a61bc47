import { generateSecret, generateURI } from 'otplib';
import { z } from 'zod';
import { MfaError } from '../../errors.ts';
import type { HostUser } from '../../spi/host.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorInput, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { FactorRecord, FactorRecords } from '../../spi/factorStorage.ts';
import { type TotpAlgorithm, type TotpParameters, verifyTotpCode } from './totpCode.ts';
import { totpCopy, totpPresentation } from './totpPresentation.ts';
import type { TotpSetup } from './totpSetup.ts';
import { totpSettings } from './totpSettings.ts';

export type { TotpSetup };

export const TOTP_FACTOR_ID = 'totp';

/** How long a QR code shown for set-up stays valid: long enough to find the phone and scan it. */
export const TOTP_SETUP_TTL_MS = 15 * 60 * 1000;

const SECRET_BYTES = 20; // RFC 4226 §4 R6: at least 128 bits; 160 recommended.


/** What a login answers: the code the app shows. */
export interface TotpInput extends FactorInput {
  code: string;
}

/**
 * A device's record: the parameters it was set up with, its secret sealed with the
 * context's secret box (bound to the factor and the user, the rule `keys rotate` knows),
 * and `counter`, the last accepted time step (the replay marker, RFC 6238 §5.2).
 * `secret` and `counter` keep the names of the columns they had before the storage API (migration 007).
 */
interface TotpRecordData extends Partial<TotpParameters> {
  secret?: string;
  counter?: number;
}

type TotpRecord = FactorRecord<TotpRecordData>;

const codeInput = z.object({ code: z.string().trim().min(1) });
const labelInput = z.object({ label: z.string().trim().max(100).optional() });

function parametersOf(record: TotpRecord): TotpParameters {
  const data = record.data;
  return { algorithm: data.algorithm ?? 'SHA1', digits: data.digits ?? 6, period: data.period ?? 30 };
}

function readCode(input: FactorInput): string {
  const parsed = codeInput.safeParse(input);
  if (!parsed.success) throw new MfaError('INVALID_INPUT', 'Enter the code shown in your authenticator app.', { field: 'code' });
  return parsed.data.code;
}

function readLabel(input: FactorInput, fallback: string): string {
  const parsed = labelInput.safeParse({ label: typeof input.label === 'string' ? input.label : undefined });
  if (!parsed.success) throw new MfaError('INVALID_INPUT', 'Give the device a name of at most 100 characters.', { field: 'label' });
  return parsed.data.label || fallback;
}

function toDevice(record: TotpRecord): FactorDevice {
  return { id: record.id, factor: TOTP_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

class TotpProvider implements FactorProvider<TotpSetup, object, TotpInput> {
  private readonly records: FactorRecords<TotpRecordData>;

  constructor(private readonly context: FactorContext) {
    this.records = context.storage.records as FactorRecords<TotpRecordData>;
  }

  private currentParameters(): TotpParameters {
    const settings = this.context.settings;
    return {
      algorithm: settings.string('factor.totp.algorithm') as TotpAlgorithm,
      digits: Number(settings.string('factor.totp.digits')) as 6 | 8,
      period: settings.integer('factor.totp.period'),
    };
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.records.list(user.id)).length > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /**
   * Tries the code against each of the user's devices; the first that accepts it moves its
   * replay marker by compare-and-swap. A request that loses the swap reads the device again
   * and checks once more: the winner's step is then the marker, so the same code is
   * "replayed", while a different, later code still passes.
   */
  async verify(attempt: AttemptView, user: HostUser, input: TotpInput): Promise<VerifyOutcome> {
    const code = readCode(input);
    const devices = await this.records.list(user.id);
    if (devices.length === 0) return { verified: false, reason: 'not_configured' };
    let replayed = false;
    for (const listed of devices) {
      let device: TotpRecord | null = listed;
      for (let round = 0; device && round < 3; round++) {
        const result = await this.check(device, user, code);
        if (!result.valid) {
          replayed ||= result.replayed;
          break;
        }
        const now = this.context.now();
        if (await this.records.update(device, { data: { ...device.data, counter: result.timeStep }, lastUsedAt: now })) return { verified: true, deviceId: device.id };
        device = await this.records.get(user.id, device.id); // another request wrote first: judge again against what it wrote
      }
    }
    if (replayed) {
      await this.context.audit.record({ event: 'totp_code_reused', userId: user.id, factor: TOTP_FACTOR_ID, door: attempt.door, ip: attempt.ip });
      return { verified: false, reason: 'replayed', message: 'That code was used already. Wait for the next code from your app and enter that one.' };
    }
    return { verified: false, reason: 'invalid' };
  }

  private async check(device: TotpRecord, user: HostUser, code: string) {
    if (!device.data.secret) return { valid: false as const, replayed: false };
    const secret = this.context.secretBox.open(user.id, device.data.secret);
    const window = this.context.settings.integer('factor.totp.window');
    return verifyTotpCode({ ...parametersOf(device), secret, code, now: this.context.now(), window, afterTimeStep: device.data.counter ?? 0 });
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id)).map(toDevice);
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, deviceId);
  }

  async rename(user: HostUser, deviceId: number, label: string): Promise<boolean> {
    for (let round = 0; round < 3; round++) {
      const device = await this.records.get(user.id, deviceId);
      if (!device || device.confirmedAt === null) return false;
      if (await this.records.update(device, { label })) return true;
    }
    return false;
  }

  /** Step one of enrolment: a new secret, kept pending (and encrypted) until the user proves the app has it. */
  async beginSetup(user: HostUser, input: FactorInput): Promise<TotpSetup> {
    const now = this.context.now();
    await this.records.removeAll(user.id, { pendingBefore: now - TOTP_SETUP_TTL_MS });
    const parameters = this.currentParameters();
    const secret = generateSecret({ length: SECRET_BYTES });
    const record = await this.records.insert(user.id, {
      label: readLabel(input, 'Authenticator app'),
      data: { ...parameters, secret: this.context.secretBox.seal(user.id, secret), counter: 0 },
      createdFromIp: typeof input.ip === 'string' ? input.ip : null,
    });
    if (!record) throw new MfaError('SETUP_EXPIRED', 'The set-up could not be started. Try again.');
    return { setupId: record.id, secret, otpauthUri: this.otpauthUri(user, secret, parameters), expiresAt: now + TOTP_SETUP_TTL_MS, parameters };
  }

  /** The same QR code again for a set-up still open (after a mistyped code), or null. */
  async resumeSetup(user: HostUser, input: FactorInput): Promise<TotpSetup | null> {
    const pending = await this.records.get(user.id, Number(input.setupId));
    if (!pending || pending.confirmedAt !== null || !pending.data.secret) return null;
    if (this.context.now() - pending.createdAt > TOTP_SETUP_TTL_MS) return null;
    const secret = this.context.secretBox.open(user.id, pending.data.secret);
    const parameters = parametersOf(pending);
    return { setupId: pending.id, secret, otpauthUri: this.otpauthUri(user, secret, parameters), expiresAt: pending.createdAt + TOTP_SETUP_TTL_MS, parameters };
  }

  /**
   * The set-up being confirmed: the one named, or, for clients that send only a code
   * (MediaSilo's `POST /mfa {code}`), the user's newest one.
   */
  private async pendingSetup(user: HostUser, setupId: unknown): Promise<TotpRecord | null> {
    if (setupId === undefined || setupId === null || setupId === '') {
      return (await this.records.list(user.id, 'pending')).at(-1) ?? null;
    }
    const id = Number(setupId);
    return Number.isInteger(id) ? this.records.get(user.id, id) : null;
  }

  /** Key URI Format (github.com/google/google-authenticator/wiki/Key-Uri-Format): issuer = the site, label = the username. */
  private otpauthUri(user: HostUser, secret: string, parameters: TotpParameters): string {
    return generateURI({
      issuer: this.context.host.siteName(),
      label: user.username,
      secret,
      algorithm: parameters.algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
      digits: parameters.digits,
      period: parameters.period,
    });
  }

  /** Step two: the code from the app confirms the device; that code is then spent (its step becomes the replay marker). */
  async confirmSetup(user: HostUser, input: FactorInput): Promise<FactorDevice> {
    const code = readCode(input);
    const pending = await this.pendingSetup(user, input.setupId);
    if (!pending || pending.confirmedAt !== null) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Start again to get a new QR code.');
    }
    const now = this.context.now();
    if (now - pending.createdAt > TOTP_SETUP_TTL_MS) {
      await this.records.remove(user.id, pending.id);
      throw new MfaError('SETUP_EXPIRED', 'This QR code expired before it was confirmed. Start again to get a new one.');
    }
    const secret = this.context.secretBox.open(user.id, pending.data.secret ?? '');
    const window = this.context.settings.integer('factor.totp.window');
    const result = await verifyTotpCode({ ...parametersOf(pending), secret, code, now, window });
    if (!result.valid) {
      throw new MfaError('INVALID_CODE', 'That code does not match. Check that the app shows this site and that your phone’s clock is right, then enter the current code.', { field: 'code' });
    }
    const label = readLabel(input, pending.label);
    // Compare-and-swap from the pending version: of two submits of one code, one confirms.
    if (!(await this.records.update(pending, { label, data: { ...pending.data, counter: result.timeStep }, confirmed: true, lastUsedAt: now }))) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Start again to get a new QR code.');
    }
    return { id: pending.id, factor: TOTP_FACTOR_ID, label, createdAt: pending.createdAt, lastUsedAt: now };
  }
}

/** Authenticator apps (RFC 6238 TOTP). */
export const totpFactor: FactorProviderFactory<TotpSetup, object, TotpInput> = {
  id: TOTP_FACTOR_ID,
  displayName: 'Authenticator app',
  referenceCategory: 'otp',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  copy: totpCopy,
  presentation: totpPresentation,
  settings: totpSettings,
  create: (context) => new TotpProvider(context),
};
