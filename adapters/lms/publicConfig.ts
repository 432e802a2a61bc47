import type { LmsHost } from './lmsHost.ts';

/** Moodle's typeoflogin (tool_mobile\api::LOGIN_VIA_*): where the app asks for the password. */
export const TYPE_OF_LOGIN = { app: 1, browser: 2, embedded_browser: 3 } as const;
export type MobileLoginType = keyof typeof TYPE_OF_LOGIN;

/** What the MFA plugin tells the app about signing in (the `mobile_app_login` hook). */
export interface MobileAppLogin {
  loginType: MobileLoginType;
  /** Moodle 5.2's `tool_mfa_enabled`: whether the site asks for a second factor at all. */
  mfaEnabled: boolean;
}

/** The service the official app asks login/token.php and launch.php for. */
export const MOBILE_APP_SERVICE = 'moodle_mobile_app';

/** The path of the app's browser sign-in (Moodle's admin/tool/mobile/launch.php). */
export const LAUNCH_PATH = '/admin/tool/mobile/launch.php';

/**
 * `tool_mobile_get_public_config`: the app's site check, before anyone logs in
 * (moodle admin/tool/mobile/classes/api.php get_public_config; the app's type is
 * CoreSitePublicConfigResponse in src/core/classes/sites/unauthenticated-site.ts).
 * Integers are JSON numbers, as Moodle's return description casts them: the app
 * compares `typeoflogin === 2`, and the string "0" would be truthy. `httpswwwroot`
 * becomes the base of every later request the app makes.
 */
export async function publicConfig(host: LmsHost, login: MobileAppLogin) {
  const origin = host.siteOrigin();
  return {
    wwwroot: origin,
    httpswwwroot: origin,
    sitename: host.siteName(),
    guestlogin: 0,
    // 2: the app offers "remember username" and leaves it to the user (Moodle's default).
    rememberusername: 2,
    authloginviaemail: 0,
    registerauth: '',
    forgottenpasswordurl: '',
    authinstructions: '',
    authnoneenabled: 0,
    enablewebservices: 1,
    // Off when the site has switched the app's service off: the app then says the site is not reachable through it.
    enablemobilewebservice: (await host.serviceEnabled(MOBILE_APP_SERVICE)) ? 1 : 0,
    maintenanceenabled: 0,
    maintenancemessage: '',
    mobilecssurl: '',
    tool_mobile_disabledfeatures: '',
    lang: 'en',
    langmenu: 0,
    langlist: '',
    autolang: 0,
    tool_mobile_minimumversion: '',
    tool_mobile_qrcodetype: 0,
    supportavailability: 0,
    supportpage: '',
    showloginform: 1,
    tool_mfa_enabled: login.mfaEnabled,
    enableloginrecaptcha: false,
    enableforgotpasswordrecaptcha: false,
    typeoflogin: TYPE_OF_LOGIN[login.loginType],
    // Moodle 5 always sends it; the app opens it when typeoflogin is 2 or 3.
    launchurl: `${origin}${LAUNCH_PATH}`,
    warnings: [],
  };
}
