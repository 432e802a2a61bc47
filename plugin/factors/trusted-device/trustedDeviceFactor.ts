import type { FactorContext, FactorProvider, FactorProviderFactory, FactorState } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { TRUSTED_DEVICE_FACTOR_ID, TrustedDevices } from './trustedDevices.ts';
import { trustedDeviceCopy, trustedDevicePresentation } from './trustedDevicePresentation.ts';

class TrustedDeviceProvider implements FactorProvider {
  private readonly devices: TrustedDevices;
  constructor(context: FactorContext) {
    this.devices = new TrustedDevices(context.db, context.now);
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

/** A browser the user chose to trust passes MFA without input until the trust expires. */
export const trustedDeviceFactor: FactorProviderFactory = {
  id: TRUSTED_DEVICE_FACTOR_ID,
  displayName: 'Trusted device',
  referenceCategory: 'no-input',
  requiresInput: false,
  userSetupAllowed: false,
  capabilities: { requiresInput: false, sendsChallenge: false, worksWithoutBrowser: false, phishingResistant: false, userSetupAllowed: false, removalGivesAccessUp: true },
  copy: trustedDeviceCopy,
  presentation: trustedDevicePresentation,
  create: (context) => new TrustedDeviceProvider(context),
};
