import type { AttemptView, ClientCredential, FactorContext, FactorPassOffer, FactorProvider, FactorProviderFactory, FactorState, RequestFacts } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { describeBrowser } from '../../net/describeBrowser.ts';
import { TRUSTED_DEVICES_TABLE, trustedDevicesTable } from './trustedDeviceMigrations.ts';
import { TRUSTED_DEVICE_COOKIE, TRUSTED_DEVICE_FACTOR_ID, TrustedDevices } from './trustedDevices.ts';
import { trustedDeviceCopy, trustedDevicePresentation } from './trustedDevicePresentation.ts';
import { trustedDeviceSettings } from './trustedDeviceSettings.ts';

class TrustedDeviceProvider implements FactorProvider {
  private readonly devices: TrustedDevices;
  constructor(private readonly context: FactorContext) {
    this.devices = new TrustedDevices(context.ownTables, context.now);
  }

  private hours(): number {
    return this.context.settings.integer(`factor.${TRUSTED_DEVICE_FACTOR_ID}.expiry_hours`);
  }

  /** Offered under every prompt of the second-factor page. */
  passOffer(): FactorPassOffer {
    const hours = this.hours();
    return { field: 'trust_device', label: `Trust this device for ${hours} ${hours === 1 ? 'hour' : 'hours'}` };
  }

  /** The browser's token (only its hash is stored), bound to this user, expiring; audited. */
  async afterPass(attempt: AttemptView, user: HostUser, facts: RequestFacts): Promise<ClientCredential> {
    const hours = this.hours();
    const { token } = await this.devices.trust(user.id, { hours, label: describeBrowser(facts.userAgent), ip: facts.ip, userAgent: facts.userAgent });
    await this.context.audit.record({ event: 'trusted_device_added', userId: user.id, factor: TRUSTED_DEVICE_FACTOR_ID, door: attempt.door, ip: facts.ip, detail: { hours } });
    return { name: TRUSTED_DEVICE_COOKIE, value: token, maxAgeMs: hours * 3600_000 };
  }

  // Trust is something a login earns, not a factor one sets up; it never counts as "set up" for require_setup.
  async configuredFor(): Promise<boolean> {
    return false;
  }
  async state(attempt: AttemptView, facts: RequestFacts): Promise<FactorState> {
    const token = facts.credentials?.[TRUSTED_DEVICE_COOKIE];
    if (!token) return 'neutral';
    return (await this.devices.isTrusted(attempt.userId, token)) ? 'pass' : 'neutral';
  }
  listDevices(user: HostUser) {
    return this.devices.list(user.id);
  }
  revoke(user: HostUser, deviceId: number) {
    return this.devices.revoke(user.id, deviceId);
  }
}

/**
 * A browser the user chose to trust passes MFA without input until the trust expires.
 * Trusted browsers keep a table of their own (found by a cookie's hash, expiring by the
 * thousand: not devices of a user in the engine's sense), made by the factor's migration.
 */
export const trustedDeviceFactor: FactorProviderFactory = {
  id: TRUSTED_DEVICE_FACTOR_ID,
  displayName: 'Trusted device',
  referenceCategory: 'no-input',
  requiresInput: false,
  userSetupAllowed: false,
  capabilities: { requiresInput: false, sendsChallenge: false, worksWithoutBrowser: false, phishingResistant: false, userSetupAllowed: false, removalGivesAccessUp: true },
  copy: trustedDeviceCopy,
  presentation: trustedDevicePresentation,
  settings: trustedDeviceSettings,
  clientCredentials: [TRUSTED_DEVICE_COOKIE],
  migrations: [trustedDevicesTable],
  tables: [TRUSTED_DEVICES_TABLE],
  ownData: {
    removeUser: (tables, userId) => tables(TRUSTED_DEVICES_TABLE).where({ user_id: userId }).delete(),
    async countUsers(tables, now) {
      const row = (await tables(TRUSTED_DEVICES_TABLE).where('expires_at', '>', now).countDistinct({ n: 'user_id' }).first()) as { n?: number | string } | undefined;
      return Number(row?.n ?? 0);
    },
  },
  // Removing trust only gives access up: its own event, and no "removed" security mail.
  removedEvent: 'trusted_device_revoked',
  create: (context) => new TrustedDeviceProvider(context),
};
