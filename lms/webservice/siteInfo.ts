import { MOBILE_APP_SERVICE } from '../mobileApp.ts';
import { externalFunction, MOODLE_RELEASE, MOODLE_VERSION } from './externalFunction.ts';
import { wsAlphanumext, wsList, wsStruct } from './wsParams.ts';

/**
 * Moodle's advanced features the app asks about with `canUseAdvancedFeature`, which
 * reads `value !== 0` (src/core/classes/sites/authenticated-site.ts): a number, never
 * the text "0". All off: the site has no comments, tags, notes, messaging, blogs,
 * completion, badges or competencies, so the app shows none of their screens (and calls none of
 * their functions, which this server does not serve).
 */
const ADVANCED_FEATURES = ['usecomments', 'usetags', 'enablenotes', 'messaging', 'enableblogs', 'enablecompletion', 'enablebadges', 'messagingallusers', 'enablecustomreports', 'enableglobalsearch', 'enablecompetencies', 'mnet_dispatcher_mode'];

/** Moodle's HOMEPAGE_MY: the app opens the Dashboard (CoreSiteInfoUserHomepage in src/core/classes/sites/unauthenticated-site.ts). */
const HOMEPAGE_DASHBOARD = 1;

/**
 * `core_webservice_get_site_info` (webservice/classes/external/get_site_info.php): the
 * first call after login/token.php. The app refuses the site unless `version` is at
 * least Moodle 3.5's (src/core/services/sites.ts, isValidMoodleVersion), calls no
 * function missing from `functions` (wsAvailable), and keys the site on
 * md5(siteurl + username). Field types follow CoreSiteInfoResponse.
 */
export const siteInfoFunction = externalFunction({
  name: 'core_webservice_get_site_info',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ serviceshortnames: wsList(wsAlphanumext).optional() }),
  async handler(_args, { user, host, servedFunctions }) {
    const siteurl = host.siteOrigin();
    return {
      sitename: host.siteName(),
      username: user.username,
      // The reference site keeps no names: the username stands in, as Moodle shows it for a user without names.
      firstname: user.username,
      lastname: '',
      fullname: user.username,
      lang: 'en',
      userid: Number(user.id),
      siteurl,
      // Moodle's default picture: the app recognises a theme image and draws the user's initials instead
      // of fetching it (src/core/components/user-avatar/user-avatar.ts, CoreUrl.isThemeImageUrl).
      userpictureurl: `${siteurl}/theme/image.php/boost/core/1/u/f1`,
      functions: servedFunctions.map(({ name, version }) => ({ name, version })),
      // No files on this site: nothing to download, upload or manage (the app hides those screens).
      downloadfiles: 0,
      uploadfiles: 0,
      release: MOODLE_RELEASE,
      version: MOODLE_VERSION,
      mobilecssurl: '',
      advancedfeatures: ADVANCED_FEATURES.map((name) => ({ name, value: 0 })),
      usercanmanageownfiles: false,
      userquota: 0,
      usermaxuploadfilesize: 0,
      userhomepage: HOMEPAGE_DASHBOARD,
      siteid: 1,
      sitecalendartype: 'gregorian',
      usercalendartype: 'gregorian',
      userissiteadmin: user.isAdmin,
      theme: 'boost',
      limitconcurrentlogins: 0,
      // No site policy to accept (Moodle 4.4+: the app asks for acceptance when this is 0 and a policy exists).
      policyagreed: 1,
    };
  },
});
