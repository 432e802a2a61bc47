import type { MfaPlugin } from '../plugin/createMfaPlugin.ts';
import { auditIp } from '../adapters/express/requestFacts.ts';
import { takeLoginLanding } from '../adapters/express/webSession.ts';
import { type MobileAppPolicy, type MobileLoginType, TYPE_OF_LOGIN } from './mobileApp.ts';

const LOGIN_TYPES = Object.keys(TYPE_OF_LOGIN) as MobileLoginType[];

/**
 * launch.php's policy from the MFA plugin: its settings (manifest.json
 * `mobile_app_login_type`, `mobile_app_url_scheme`), the web door's "this login was made
 * for that page" mark, and its audit log, so the hand-off shows in the user's recent
 * activity beside the login that allowed it.
 */
export function mobileAppPolicy(plugin: MfaPlugin): MobileAppPolicy {
  return {
    async settings() {
      const settings = await plugin.settings.snapshot();
      const loginType = settings.string('mobile_app_login_type');
      return {
        loginType: LOGIN_TYPES.find((type) => type === loginType) ?? 'app',
        forcedUrlScheme: settings.string('mobile_app_url_scheme'),
        mfaEnabled: settings.boolean('enabled'),
      };
    },
    takeLoginLanding,
    async recordHandOff(req, user, detail) {
      await plugin.audit.record({
        event: 'service_token_issued',
        userId: user.id,
        actor: user.username,
        door: 'web',
        ip: await auditIp(plugin, req),
        detail: { service: detail.service, via: 'browser_sign_in', privateToken: detail.privateToken, confirmed: detail.confirmed },
      });
    },
  };
}
