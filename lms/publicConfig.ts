import type { LmsHost } from './lmsHost.ts';
import { MOBILE_APP_SERVICE, type MobileAppSettings, TYPE_OF_LOGIN } from './mobileApp.ts';
import { MOBILE_LAUNCH_PATH } from './mobileLaunchRequest.ts';


/**
 * `tool_mobile_get_public_config`: the app's site check, before anyone logs in
 * (moodle admin/tool/mobile/classes/api.php get_public_config; the app's type is
 * CoreSitePublicConfigResponse in src/core/classes/sites/unauthenticated-site.ts).
 * Integers are JSON numbers, as Moodle's return description casts them: the app
 * compares `typeoflogin === 2`, and the string "0" would be truthy. `httpswwwroot`
 * becomes the base of every later request the app makes.
 */
export async function publicConfig(host: LmsHost, login: Pick<MobileAppSettings, 'loginType' | 'mfaEnabled'>) {
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
    launchurl: `${origin}${MOBILE_LAUNCH_PATH}`,
    warnings: [],
  };
}
