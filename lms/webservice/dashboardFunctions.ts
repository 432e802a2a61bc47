import { MOBILE_APP_SERVICE } from '../mobileApp.ts';
import { z } from 'zod';
import { externalFunction, type WsCall } from './externalFunction.ts';
import { accessDenied, invalidParameter, missingRecord } from './restErrors.ts';
import { wsAlpha, wsAlphanum, wsBool, wsInt, wsList, wsStruct, wsText } from './wsParams.ts';

/**
 * What the app's home screens ask for right after login (Dashboard, My courses, the
 * notifications badge), answered with this site's real data in Moodle's shapes. The
 * reference site has no courses, blocks, groups, messages or filters: every list is empty,
 * and the one course that exists is the site course itself (id 1, `siteid` in site info).
 */
const SITE_COURSE_ID = 1;

/** Moodle refuses to show another user's data without a capability; here only a site admin has it. */
function requireSelfOrAdmin(userid: number, { user }: WsCall): void {
  if (userid !== 0 && userid !== Number(user.id) && !user.isAdmin) throw accessDenied();
}

/** `core_block_get_dashboard_blocks` (blocks/classes/external.php): the app's Dashboard tab. No blocks on this site's dashboard. */
const dashboardBlocks = externalFunction({
  name: 'core_block_get_dashboard_blocks',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ userid: wsInt.default(0), returncontents: wsBool.default(false), mypage: wsText.default('my-index') }),
  async handler({ userid }, call) {
    requireSelfOrAdmin(userid, call);
    return { blocks: [], warnings: [] };
  },
});

/** `core_enrol_get_users_courses` (enrol/externallib.php): My courses and the course overview. Nobody is enrolled anywhere. */
const usersCourses = externalFunction({
  name: 'core_enrol_get_users_courses',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ userid: wsInt, returnusercount: wsBool.default(true) }),
  async handler() {
    return [];
  },
});

/**
 * `core_course_get_contents` (course/externallib.php): the app reads the site course's
 * sections to decide whether to show a Site home tab (src/core/features/sitehome). The
 * site course has one empty section 0, so the tab stays hidden; any other course does
 * not exist, and Moodle's MUST_EXIST lookup answers that.
 */
const courseContents = externalFunction({
  name: 'core_course_get_contents',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({
    courseid: wsInt,
    // excludemodules, excludecontents, sectionid, ... (the app sends options[0][name]=excludemodules&options[0][value]=1).
    options: wsList(wsStruct({ name: wsAlphanum, value: wsText })).default([]),
  }),
  async handler({ courseid }) {
    if (courseid !== SITE_COURSE_ID) throw missingRecord('course', `courseid ${courseid}`);
    return [
      { id: 1, name: '', visible: 1, summary: '', summaryformat: 1, section: 0, hiddenbynumsections: 0, uservisible: true, modules: [] },
    ];
  },
});

/** `core_group_get_course_user_groups` (group/externallib.php): the site has no groups, for anyone. */
const courseUserGroups = externalFunction({
  name: 'core_group_get_course_user_groups',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ courseid: wsInt.default(0), userid: wsInt.default(0), groupingid: wsInt.default(0) }),
  async handler() {
    return { groups: [], warnings: [] };
  },
});

const MESSAGE_TYPES = ['notifications', 'conversations', 'both'] as const;

/**
 * `core_message_get_messages` (message/externallib.php): without the unread-count
 * functions the app counts unread notifications for the menu badge with this
 * (src/addons/notifications/services/notifications.ts). Moodle's checks are kept:
 * both users must exist, and the caller must be one of them unless an admin.
 */
const messages = externalFunction({
  name: 'core_message_get_messages',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({
    useridto: wsInt,
    useridfrom: wsInt.default(0),
    type: wsAlpha.pipe(z.enum(MESSAGE_TYPES, `expected one of ${MESSAGE_TYPES.join(', ')}`)).default('both'),
    // 0 unread, 1 read, 2 both (MESSAGE_GET_UNREAD / READ / READ_AND_UNREAD since Moodle 4.0).
    read: wsInt.pipe(z.number().int().min(0).max(2, 'expected 0, 1 or 2')).default(1),
    newestfirst: wsBool.default(true),
    limitfrom: wsInt.default(0),
    limitnum: wsInt.default(0),
  }),
  async handler({ useridto, useridfrom }, call) {
    for (const id of [useridto, useridfrom]) {
      if (id !== 0 && !(await call.host.findUserById(String(id)))) throw missingRecord('user', `user id ${id}`);
    }
    const me = Number(call.user.id);
    if (me !== useridto && me !== useridfrom && !call.user.isAdmin) throw accessDenied();
    return { messages: [], warnings: [] };
  },
});

const CONTEXT_LEVELS = ['system', 'user', 'coursecat', 'course', 'module', 'block'] as const;

/** `core_filters_get_available_in_context` (filter/classes/external.php): no text filters are on, in any context. */
const filtersInContext = externalFunction({
  name: 'core_filters_get_available_in_context',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ contexts: wsList(wsStruct({ contextlevel: wsAlpha, instanceid: wsInt })) }),
  async handler({ contexts }) {
    const unknown = contexts.find((c) => !(CONTEXT_LEVELS as readonly string[]).includes(c.contextlevel));
    if (unknown) throw invalidParameter(`Invalid context level = ${unknown.contextlevel}`);
    return { filters: [], warnings: [] };
  },
});

export const dashboardFunctions = [dashboardBlocks, usersCourses, courseContents, courseUserGroups, messages, filtersInContext];
