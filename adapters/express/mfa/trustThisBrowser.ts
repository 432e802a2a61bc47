import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { TRUSTED_DEVICE_COOKIE, TRUSTED_DEVICE_FACTOR_ID } from '../../../plugin/factors/trusted-device/index.ts';
import { describeBrowser } from '../../../plugin/net/describeBrowser.ts';
import type { SettingsSnapshot } from '../../../plugin/settings/settingsStore.ts';

/**
 * "Trust this device" is the plugin's own feature (`plugin.trustedDevices`), offered on /mfa
 * under every prompt; its settings and its passing at login are the trusted-device factor's.
 * This is the one door file that knows which factor that is (by its exported id, not a literal).
 */
export function trustOfferHours(settings: SettingsSnapshot): number | null {
  if (!settings.boolean(`factor.${TRUSTED_DEVICE_FACTOR_ID}.enabled`)) return null;
  return settings.integer(`factor.${TRUSTED_DEVICE_FACTOR_ID}.expiry_hours`);
}

/** Trusts this browser for the user (a cookie holding a random token; only its hash is stored), audited. */
export async function trustThisBrowser(plugin: MfaPlugin, req: Request, res: Response, login: { userId: string; ip: string | null; secureCookies: boolean }): Promise<void> {
  const hours = trustOfferHours(await plugin.settings.snapshot());
  if (hours === null) return;
  const userAgent = req.get('user-agent') ?? null;
  const { token } = await plugin.trustedDevices.trust(login.userId, { hours, label: describeBrowser(userAgent), ip: login.ip, userAgent });
  await plugin.audit.record({ event: 'trusted_device_added', userId: login.userId, factor: TRUSTED_DEVICE_FACTOR_ID, door: 'web', ip: login.ip, detail: { hours } });
  res.cookie(TRUSTED_DEVICE_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: login.secureCookies, maxAge: hours * 3600_000, path: '/' });
}
