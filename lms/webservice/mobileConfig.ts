import { MOBILE_APP_SERVICE } from '../mobileApp.ts';
import { CALENDAR_START_WEEKDAY, SITE_TIMEZONE } from './calendarDates.ts';
import { externalFunction } from './externalFunction.ts';
import { wsAlphanumext, wsStruct } from './wsParams.ts';

type SettingValue = string | number | null;

/**
 * The site settings `tool_mobile_get_config` returns, by the admin section Moodle files
 * them under (admin/tool/mobile/classes/api.php, get_config). Values keep Moodle's PHP
 * types: settings read from $CFG are text ("0" is truthy in the app), the ones Moodle
 * computes are numbers (summaryformat, numsections, tool_mobile_showlogoinappheader),
 * disabled support contacts are null. Only what this site really has: no front-page
 * items, no policy, no blogs, no custom menus; the app's main menu reads the
 * tool_mobile_* ones at login, the navigation ones decide whether Dashboard and
 * My courses show (enabledashboard, enablemycourses).
 */
function settingsBySection(siteName: string): Record<string, Record<string, SettingValue>> {
  return {
    frontpagesettings: {
      fullname: siteName,
      shortname: siteName,
      summary: '',
      summaryformat: 1,
      frontpage: '',
      frontpageloggedin: '',
      maxcategorydepth: '2',
      frontpagecourselimit: '200',
      numsections: 1,
      newsitems: '0',
      commentsperpage: '15',
    },
    sitepolicies: { sitepolicy: '', sitepolicyhandler: '', disableuserimages: '0' },
    mobileapp: {
      tool_mobile_forcelogout: '0',
      tool_mobile_customlangstrings: '',
      tool_mobile_disabledfeatures: '',
      tool_mobile_showlogoinappheader: 0,
      tool_mobile_filetypeexclusionlist: '',
      tool_mobile_custommenuitems: '',
      tool_mobile_customusermenuitems: '',
      tool_mobile_scriptallowlist: '',
      tool_mobile_apppolicy: '',
      tool_mobile_autologinmintimebetweenreq: '360',
      tool_mobile_autologout: '0',
      tool_mobile_autologouttime: '86400',
    },
    calendar: {
      calendartype: 'gregorian',
      calendar_site_timeformat: '0',
      calendar_startwday: String(CALENDAR_START_WEEKDAY),
      calendar_adminseesall: '0',
      calendar_lookahead: '21',
      calendar_maxevents: '10',
    },
    // CONTACT_SUPPORT_DISABLED: the reference site has no support contact.
    supportcontact: { supportavailability: '0', supportname: null, supportemail: null, supportpage: null },
    graceperiodsettings: { coursegraceperiodafter: '0', coursegraceperiodbefore: '0' },
    navigation: { enablemyhome: '1', enabledashboard: '1', enablemycourses: '1' },
    // The calendar's days start at midnight in this zone (calendarDates.ts); users cannot choose another.
    locationsettings: { timezone: SITE_TIMEZONE, forcetimezone: SITE_TIMEZONE },
    blog: { useblogassociations: '0', bloglevel: '0', blogusecomments: '0' },
  };
}

/**
 * `tool_mobile_get_config`: read right after site info when a site is added; a failure
 * aborts the login (src/core/services/sites.ts). `section` narrows to one admin section;
 * an unknown one gives no settings, as in Moodle.
 */
export const mobileConfigFunction = externalFunction({
  name: 'tool_mobile_get_config',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ section: wsAlphanumext.default('') }),
  async handler({ section }, { host }) {
    const sections = settingsBySection(host.siteName());
    const chosen = section === '' ? Object.values(sections) : sections[section] ? [sections[section]] : [];
    const settings = chosen.flatMap((group) => Object.entries(group).map(([name, value]) => ({ name, value })));
    return { settings, warnings: [] };
  },
});

/**
 * `tool_mobile_get_plugins_supporting_mobile`: the site plugins with app add-ons. None here;
 * the app asks for them when it opens a site (src/core/features/siteplugins).
 */
export const mobilePluginsFunction = externalFunction({
  name: 'tool_mobile_get_plugins_supporting_mobile',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({}),
  async handler() {
    return { plugins: [], warnings: [] };
  },
});
