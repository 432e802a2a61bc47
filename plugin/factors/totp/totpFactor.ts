import { generateSecret, generateURI } from 'otplib';
import { MfaError } from '../../errors.ts';
import type { HostUser } from '../../spi/host.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import { recordSecretContext } from '../../store/sealedFactorSecrets.ts';
import { UserFactorRecords, type UserFactorRecord } from '../../store/userFactorRecords.ts';
import { type TotpAlgorithm, type TotpParameters, verifyTotpCode } from './totpCode.ts';
import { totpCopy, totpPresentation } from './totpPresentation.ts';

export const TOTP_FACTOR_ID = 'totp';

/** How long a QR code shown for set-up stays valid: long enough to find the phone and scan it. */
export const TOTP_SETUP_TTL_MS = 15 * 60 * 1000;

const SECRET_BYTES = 20; // RFC 4226 §4 R6: at least 128 bits; 160 recommended.

export interface TotpSetup {
  setupId: number;
  /** Base32, for typing into the app by hand. */
  secret: string;
  otpauthUri: string;
  expiresAt: number;
  parameters: TotpParameters;
}

/** `totp:<user id>`: the rule for every sealed record secret, so `keys rotate` can re-seal it. */
function secretContext(userId: string): string {
  return recordSecretContext(TOTP_FACTOR_ID, userId);
}

function parametersOf(record: UserFactorRecord): TotpParameters {
  const data = record.data as Partial<TotpParameters>;
  return { algorithm: data.algorithm ?? 'SHA1', digits: data.digits ?? 6, period: data.period ?? 30 };
}

function readCode(input: Record<string, unknown>): string {
  const code = input.code;
  if (typeof code !== 'string' || code.trim() === '') throw new MfaError('INVALID_INPUT', 'Enter the code shown in your authenticator app.', { field: 'code' });
  return code;
}

function readLabel(input: Record<string, unknown>, fallback: string): string {
  const label = typeof input.label === 'string' ? input.label.trim() : '';
  if (label.length > 100) throw new MfaError('INVALID_INPUT', 'Give the device a name of at most 100 characters.', { field: 'label' });
  return label || fallback;
}

function toDevice(record: UserFactorRecord): FactorDevice {
  return { id: record.id, factor: TOTP_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

class TotpProvider implements FactorProvider {
  private readonly records: UserFactorRecords;

  constructor(private readonly context: FactorContext) {
    this.records = new UserFactorRecords(context.db);
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
    return (await this.records.countConfirmed(user.id, TOTP_FACTOR_ID)) > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /** Tries the code against each of the user's devices; the first that accepts it wins and moves its replay marker. */
  async verify(attempt: AttemptView, user: HostUser, input: Record<string, unknown>): Promise<VerifyOutcome> {
    const code = readCode(input);
    const devices = await this.records.list(user.id, TOTP_FACTOR_ID);
    if (devices.length === 0) return { verified: false, reason: 'not_configured' };
    const window = this.context.settings.integer('factor.totp.window');
    let replayed = false;
    for (const device of devices) {
      if (!device.secret) continue;
      const secret = this.context.secretBox.open(device.secret, secretContext(user.id));
      const result = await verifyTotpCode({ ...parametersOf(device), secret, code, now: this.context.now(), window, afterTimeStep: device.counter });
      if (result.valid) {
        if (await this.records.advanceCounter(device.id, result.timeStep, this.context.now())) return { verified: true, deviceId: device.id };
        replayed = true; // another request took this step first
      } else if (result.replayed) {
        replayed = true;
      }
    }
    if (replayed) {
      await this.context.audit.record({ event: 'totp_code_reused', userId: user.id, factor: TOTP_FACTOR_ID, door: attempt.door, ip: attempt.ip });
      return { verified: false, reason: 'replayed', message: 'That code was used already. Wait for the next code from your app and enter that one.' };
    }
    return { verified: false, reason: 'invalid' };
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id, TOTP_FACTOR_ID)).map(toDevice);
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, TOTP_FACTOR_ID, deviceId);
  }

  async rename(user: HostUser, deviceId: number, label: string): Promise<boolean> {
    return this.records.rename(user.id, TOTP_FACTOR_ID, deviceId, label);
  }

  /** Step one of enrolment: a new secret, kept pending (and encrypted) until the user proves the app has it. */
  async beginSetup(user: HostUser, input: Record<string, unknown>): Promise<TotpSetup> {
    const now = this.context.now();
    await this.records.removeStalePending(user.id, TOTP_FACTOR_ID, now - TOTP_SETUP_TTL_MS);
    const parameters = this.currentParameters();
    const secret = generateSecret({ length: SECRET_BYTES });
    const setupId = await this.records.insert({
      userId: user.id,
      factor: TOTP_FACTOR_ID,
      label: readLabel(input, 'Authenticator app'),
      secret: this.context.secretBox.seal(secret, secretContext(user.id)),
      data: { ...parameters },
      createdAt: now,
      createdFromIp: typeof input.ip === 'string' ? input.ip : null,
    });
    return { setupId, secret, otpauthUri: this.otpauthUri(user, secret, parameters), expiresAt: now + TOTP_SETUP_TTL_MS, parameters };
  }

  /** The same QR code again for a set-up still open (after a mistyped code), or null. */
  async resumeSetup(user: HostUser, input: Record<string, unknown>): Promise<TotpSetup | null> {
    const pending = await this.records.find(Number(input.setupId));
    if (!pending || pending.userId !== user.id || pending.factor !== TOTP_FACTOR_ID || pending.confirmedAt !== null || !pending.secret) return null;
    if (this.context.now() - pending.createdAt > TOTP_SETUP_TTL_MS) return null;
    const secret = this.context.secretBox.open(pending.secret, secretContext(user.id));
    const parameters = parametersOf(pending);
    return { setupId: pending.id, secret, otpauthUri: this.otpauthUri(user, secret, parameters), expiresAt: pending.createdAt + TOTP_SETUP_TTL_MS, parameters };
  }

  /**
   * The set-up being confirmed: the one named, or, for clients that send only a code
   * (MediaSilo's `POST /mfa {code}`), the user's newest one.
   */
  private async pendingSetup(user: HostUser, setupId: unknown) {
    if (setupId === undefined || setupId === null || setupId === '') {
      return (await this.records.list(user.id, TOTP_FACTOR_ID, 'pending')).at(-1) ?? null;
    }
    const id = Number(setupId);
    return Number.isInteger(id) ? this.records.find(id) : null;
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
  async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    const code = readCode(input);
    const pending = await this.pendingSetup(user, input.setupId);
    if (!pending || pending.userId !== user.id || pending.factor !== TOTP_FACTOR_ID || pending.confirmedAt !== null) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Start again to get a new QR code.');
    }
    const now = this.context.now();
    if (now - pending.createdAt > TOTP_SETUP_TTL_MS) {
      await this.records.remove(user.id, TOTP_FACTOR_ID, pending.id);
      throw new MfaError('SETUP_EXPIRED', 'This QR code expired before it was confirmed. Start again to get a new one.');
    }
    const secret = this.context.secretBox.open(pending.secret ?? '', secretContext(user.id));
    const window = this.context.settings.integer('factor.totp.window');
    const result = await verifyTotpCode({ ...parametersOf(pending), secret, code, now, window });
    if (!result.valid) {
      throw new MfaError('INVALID_CODE', 'That code does not match. Check that the app shows this site and that your phone’s clock is right, then enter the current code.', { field: 'code' });
    }
    const label = readLabel(input, pending.label);
    if (!(await this.records.confirm(pending.id, { label, counter: result.timeStep, confirmedAt: now }))) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Start again to get a new QR code.');
    }
    return { id: pending.id, factor: TOTP_FACTOR_ID, label, createdAt: pending.createdAt, lastUsedAt: now };
  }
}

/** Authenticator apps (RFC 6238 TOTP). */
export const totpFactor: FactorProviderFactory = {
  id: TOTP_FACTOR_ID,
  displayName: 'Authenticator app',
  referenceCategory: 'otp',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  copy: totpCopy,
  presentation: totpPresentation,
  create: (context) => new TotpProvider(context),
};
