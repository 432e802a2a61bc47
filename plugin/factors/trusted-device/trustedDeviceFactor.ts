import type { FactorContext, FactorProvider, FactorProviderFactory, FactorState } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { TRUSTED_DEVICES_TABLE, trustedDevicesTable } from './trustedDeviceMigrations.ts';
import { TRUSTED_DEVICE_FACTOR_ID, TrustedDevices } from './trustedDevices.ts';
import { trustedDeviceCopy, trustedDevicePresentation } from './trustedDevicePresentation.ts';
import { trustedDeviceSettings } from './trustedDeviceSettings.ts';

class TrustedDeviceProvider implements FactorProvider {
  private readonly devices: TrustedDevices;
  constructor(context: FactorContext) {
    this.devices = new TrustedDevices(context.ownTables, context.now);
  }
  // Trust is something a login earns, not a factor one sets up; it never counts as "set up" for require_setup.
  async configuredFor(): Promise<boolean> {
    return false;
  }
  async state(attempt: { userId: string }, facts: { trustedDeviceToken?: string | null }): Promise<FactorState> {
    if (!facts.trustedDeviceToken) return 'neutral';
    return (await this.devices.isTrusted(attempt.userId, facts.trustedDeviceToken)) ? 'pass' : 'neutral';
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
