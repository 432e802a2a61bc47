import type { SettingsSnapshot } from '../settings/settingsStore.ts';
import type { Door } from '../spi/factor.ts';

/**
 * Whether a token door (a login without a browser: the Moodle app's token.php, Keycloak's
 * direct grant) asks for the second factor, as the caller that opens it decides:
 * - `required`: always, while MFA is on (`enabled`). What another platform's operator meant
 *   by making a step REQUIRED there; the site's app toggle is not theirs, so it cannot overrule it.
 * - `follow-site`: as the site's "Enable MFA for the mobile app" (`mobile_app_mfa`) says:
 *   the site's own app door, as Moodle's token.php does.
 */
export type TokenDoorPolicy = 'required' | 'follow-site';

export const TOKEN_DOOR_POLICIES: readonly TokenDoorPolicy[] = ['required', 'follow-site'];

export const isTokenDoorPolicy = (value: unknown): value is TokenDoorPolicy => TOKEN_DOOR_POLICIES.includes(value as TokenDoorPolicy);

/**
 * Whether MFA is asked at `door` now: never while the plugin is off; at the web and API doors
 * always; at a token door as its caller's policy says.
 */
export function mfaEnforcedAt(door: Door, settings: SettingsSnapshot, tokenDoorPolicy: TokenDoorPolicy): boolean {
  if (!settings.boolean('enabled')) return false;
  if (door !== 'token') return true;
  return tokenDoorPolicy === 'required' || settings.boolean('mobile_app_mfa');
}
