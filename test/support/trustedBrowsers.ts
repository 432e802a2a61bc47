import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { TrustedDevices, trustedDeviceFactor } from '../../plugin/factors/trusted-device/index.ts';

/**
 * Trusts a browser for `userId` the way the trusted-device factor does after a login with
 * "Trust this device" ticked (its own table, through the handle the factor gets): for tests
 * that need a trusted browser without driving a login to it. Returns the cookie's value.
 */
export function trustBrowser(mfa: MfaPlugin, userId: string, options: { hours: number; label: string | null; ip: string | null; userAgent: string | null }): Promise<{ token: string; expiresAt: number }> {
  return new TrustedDevices(mfa.registry.ownTables(trustedDeviceFactor), mfa.now).trust(userId, options);
}
