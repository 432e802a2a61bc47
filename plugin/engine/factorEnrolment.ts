import type { AuditLog } from '../audit/auditLog.ts';
import { MfaError } from '../errors.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { AnyFactorProviderFactory, FactorDevice, FactorInput, FactorProviderFactory } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';
import type { FactorRegistry } from './factorRegistry.ts';

/** The longest device name: what fits a table cell on a phone (the column holds 191). */
export const MAX_LABEL_LENGTH = 100;

export interface EnrolmentActor {
  /** Who is acting: always the user themself for set-up; admins only reset (never enrol). */
  actor: string;
  ip: string | null;
}

/**
 * A user's own factors: set up, list, rename, remove. Only the user enrols a factor
 * for themself (MediaSilo: "MFA can not be setup for a user by a third party"); the
 * doors make sure the caller is that user.
 */
export class FactorEnrolment {
  constructor(
    private readonly registry: FactorRegistry,
    private readonly settings: SettingsStore,
    private readonly audit: AuditLog,
  ) {}

  /** Every device of every enabled factor the user may manage. */
  async devices(user: HostUser): Promise<FactorDevice[]> {
    const settings = await this.settings.snapshot();
    const devices: FactorDevice[] = [];
    for (const factory of this.registry.enabled(settings)) {
      const provider = this.registry.provider(factory, settings);
      if (provider.listDevices) devices.push(...(await provider.listDevices(user)));
    }
    return devices;
  }

  /**
   * Whether the user has a factor they could verify with at login (an enabled factor
   * that asks for input and is set up). Without one there is nothing to re-verify with,
   * so the first factor must not wait on a recent pass (recent_pass_minutes).
   */
  async hasInputFactor(user: HostUser): Promise<boolean> {
    const settings = await this.settings.snapshot();
    for (const factory of this.registry.enabled(settings)) {
      if (factory.requiresInput && (await this.registry.provider(factory, settings).configuredFor(user))) return true;
    }
    return false;
  }

  /** Factors the user may set up themselves now, in the order they are offered: phishing-resistant first. */
  async setupOptions(): Promise<Array<{ id: string; displayName: string }>> {
    const settings = await this.settings.snapshot();
    return this.registry
      .offered(settings)
      .filter((f) => f.userSetupAllowed)
      .map((f) => ({ id: f.id, displayName: f.displayName }));
  }

  /**
   * Step one of setting a factor up. Given the factor's factory, the answer has its type.
   *
   * @example
   * const setup = await mfa.enrolment.beginSetup(user, totpFactor, {}); // TotpSetup
   */
  beginSetup<TSetup extends object>(user: HostUser, factor: FactorProviderFactory<TSetup, object, never>, input?: FactorInput): Promise<TSetup>;
  beginSetup(user: HostUser, factorId: string, input?: FactorInput): Promise<object>;
  async beginSetup(user: HostUser, factor: string | AnyFactorProviderFactory, input: FactorInput = {}): Promise<object> {
    const settings = await this.settings.snapshot();
    const factory = this.registry.enabledFactory(idOf(factor), settings);
    const provider = this.registry.provider(factory, settings);
    if (!factory.userSetupAllowed || !provider.beginSetup) throw new MfaError('FACTOR_NOT_AVAILABLE', `${factory.displayName} cannot be set up by users.`);
    return provider.beginSetup(user, input);
  }

  resumeSetup<TSetup extends object>(user: HostUser, factor: FactorProviderFactory<TSetup, object, never>, input?: FactorInput): Promise<TSetup | null>;
  resumeSetup(user: HostUser, factorId: string, input?: FactorInput): Promise<object | null>;
  async resumeSetup(user: HostUser, factor: string | AnyFactorProviderFactory, input: FactorInput = {}): Promise<object | null> {
    const settings = await this.settings.snapshot();
    const provider = this.registry.provider(this.registry.enabledFactory(idOf(factor), settings), settings);
    return provider.resumeSetup ? provider.resumeSetup(user, input) : null;
  }

  async confirmSetup(user: HostUser, factor: string | AnyFactorProviderFactory, input: FactorInput, by: EnrolmentActor): Promise<FactorDevice> {
    const factorId = idOf(factor);
    const settings = await this.settings.snapshot();
    const factory = this.registry.enabledFactory(factorId, settings);
    const provider = this.registry.provider(factory, settings);
    if (!factory.userSetupAllowed || !provider.confirmSetup) throw new MfaError('FACTOR_NOT_AVAILABLE', `${factory.displayName} cannot be set up by users.`);
    const device = await provider.confirmSetup(user, input);
    await this.audit.record({ event: 'factor_added', userId: user.id, actor: by.actor, factor: factorId, ip: by.ip, detail: { deviceId: device.id, label: device.label } });
    return device;
  }

  /** Factors whose devices the user can rename (email and recovery codes are named by the site, not the user). */
  async renamableFactors(): Promise<string[]> {
    const settings = await this.settings.snapshot();
    return this.registry
      .enabled(settings)
      .filter((factory) => typeof this.registry.provider(factory, settings).rename === 'function')
      .map((factory) => factory.id);
  }

  /** Gives one of the user's own devices a new name: trimmed, 1–100 characters. NOT_FOUND when the device is not theirs. */
  async rename(user: HostUser, factorId: string, deviceId: number, label: unknown, by: EnrolmentActor): Promise<string> {
    const name = typeof label === 'string' ? label.trim() : '';
    if (name.length < 1 || name.length > MAX_LABEL_LENGTH) {
      throw new MfaError('INVALID_INPUT', `Give the device a name of 1 to ${MAX_LABEL_LENGTH} characters.`, { field: 'label' });
    }
    const settings = await this.settings.snapshot();
    const factory = this.registry.factory(factorId);
    const provider = this.registry.provider(factory, settings);
    if (!provider.rename) throw new MfaError('FACTOR_NOT_AVAILABLE', `${factory.displayName} cannot be renamed.`);
    if (!Number.isInteger(deviceId) || !(await provider.rename(user, deviceId, name))) {
      throw new MfaError('NOT_FOUND', 'That device is not on your account (it may have been removed).');
    }
    await this.audit.record({ event: 'factor_renamed', userId: user.id, actor: by.actor, factor: factorId, ip: by.ip, detail: { deviceId, label: name } });
    return name;
  }

  async remove(user: HostUser, factorId: string, deviceId: number, by: EnrolmentActor): Promise<void> {
    const settings = await this.settings.snapshot();
    const factory = this.registry.factory(factorId);
    const provider = this.registry.provider(factory, settings);
    if (!provider.revoke || !(await provider.revoke(user, deviceId))) {
      throw new MfaError('NOT_FOUND', 'That device is not on your account (it may have been removed already).');
    }
    // A factor may name its own event (removing a trusted browser only gives access up: no "removed" mail).
    const event = factory.removedEvent ?? 'factor_removed';
    await this.audit.record({ event, userId: user.id, actor: by.actor, factor: factorId, ip: by.ip, detail: { deviceId } });
  }
}

function idOf(factor: string | AnyFactorProviderFactory): string {
  return typeof factor === 'string' ? factor : factor.id;
}
