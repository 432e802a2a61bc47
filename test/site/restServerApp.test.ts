import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findUserByUsername } from '../../lms/users.ts';
import { databaseKinds } from '../support/databases.ts';
import { appCall, appToken, assertWsError, assertWsResult } from '../support/moodleWebService.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

/** What the app calls on its way in and on the home screens, with the arguments it sends. */
const HOME_SCREEN_CALLS = [
  'tool_mobile_get_config',
  'tool_mobile_get_plugins_supporting_mobile',
  'core_block_get_dashboard_blocks',
  'core_enrol_get_users_courses',
  'core_course_get_contents',
  'core_group_get_course_user_groups',
  'core_message_get_messages',
  'core_filters_get_available_in_context',
  'core_calendar_get_calendar_monthly_view',
  'core_calendar_get_calendar_day_view',
  'core_calendar_get_calendar_upcoming_view',
];

for (const kind of databaseKinds) {
  describe(`the Moodle app at webservice/rest/server.php on ${kind}`, () => {
    let site: TestSite;
    let token: string;
    let userid: number;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('learner');
      await site.addUser('boss', undefined, true);
      token = await appToken(site, 'learner');
      userid = Number((await findUserByUsername(site.database.db, 'learner'))?.id);
    });
    after(() => site.close());

    for (const get of [false, true]) {
      it(`${get ? 'GET' : 'POST'}: site info has every field the app reads, typed as it reads them`, async () => {
        const res = await appCall(site, token, 'core_webservice_get_site_info', {}, { get });
        assertWsResult(res);
        const info = res.body;
        for (const field of ['sitename', 'username', 'firstname', 'lastname', 'fullname', 'lang', 'siteurl', 'userpictureurl', 'release', 'version', 'mobilecssurl', 'sitecalendartype', 'usercalendartype', 'theme']) {
          assert.equal(typeof info[field], 'string', field);
        }
        for (const field of ['userid', 'downloadfiles', 'uploadfiles', 'userquota', 'usermaxuploadfilesize', 'userhomepage', 'siteid', 'limitconcurrentlogins', 'policyagreed']) {
          assert.equal(typeof info[field], 'number', field);
        }
        for (const field of ['usercanmanageownfiles', 'userissiteadmin']) assert.equal(typeof info[field], 'boolean', field);
        assert.equal(info.username, 'learner');
        assert.equal(info.userid, userid);
        assert.equal(info.siteurl, 'http://localhost');
        assert.equal(info.sitename, 'Test LMS');
        assert.equal(info.userissiteadmin, false);
        // The app refuses a site older than Moodle 3.5 (sites.ts isValidMoodleVersion: Number(version)).
        assert.match(info.version, /^\d{10}$/);
        assert.ok(Number(info.version) >= 2018051700);
        assert.match(info.release, /^4\.5/);
        // canUseAdvancedFeature reads value !== 0: a text "0" would switch every feature on.
        assert.ok(info.advancedfeatures.length > 0);
        for (const feature of info.advancedfeatures) assert.deepEqual(Object.keys(feature).sort(), ['name', 'value']);
        assert.ok(info.advancedfeatures.every((f: { value: unknown }) => f.value === 0));
        // Features the app treats as on when site info does not name them (canUseAdvancedFeature's whenUndefined).
        for (const name of ['messaging', 'enablecompetencies', 'enableglobalsearch', 'usetags', 'enablebadges']) {
          assert.ok(info.advancedfeatures.some((f: { name: string }) => f.name === name), name);
        }
      });
    }

    it('lists exactly the functions it serves, config and the home screen ones among them', async () => {
      const { functions } = (await appCall(site, token, 'core_webservice_get_site_info')).body as { functions: Array<{ name: unknown; version: unknown }> };
      for (const fn of functions) {
        assert.equal(typeof fn.name, 'string');
        assert.match(String(fn.version), /^\d{10}$/);
      }
      const names = functions.map((fn) => String(fn.name)).sort();
      assert.deepEqual(names, ['core_webservice_get_site_info', ...HOME_SCREEN_CALLS].sort());
      // Listed means served: a call with no arguments is never "no such function" (it may want arguments).
      for (const name of names) {
        const res = await appCall(site, token, name);
        assert.notEqual(res.body.errorcode, 'invalidrecord', `${name}: ${res.text.slice(0, 200)}`);
      }
      // Not listed means not served: the app would otherwise call it.
      assertWsError(await appCall(site, token, 'core_course_get_courses_by_field'), 'invalidrecord', 'dml_missing_record_exception');
    });

    it('tells an admin apart in site info', async () => {
      const info = (await appCall(site, await appToken(site, 'boss'), 'core_webservice_get_site_info')).body;
      assert.equal(info.userissiteadmin, true);
      assert.equal(info.username, 'boss');
    });

    it('answers tool_mobile_get_config with the settings the app reads at login, typed as Moodle sends them', async () => {
      const res = await appCall(site, token, 'tool_mobile_get_config');
      assertWsResult(res);
      assert.deepEqual(res.body.warnings, []);
      const settings = new Map<string, unknown>(res.body.settings.map((s: { name: string; value: unknown }) => [s.name, s.value]));
      assert.equal(settings.size, res.body.settings.length, 'each setting once');
      for (const name of ['tool_mobile_disabledfeatures', 'tool_mobile_custommenuitems', 'tool_mobile_customusermenuitems', 'tool_mobile_customlangstrings']) {
        assert.equal(settings.get(name), '', name);
      }
      assert.equal(settings.get('tool_mobile_forcelogout'), '0');
      // PARAM_BOOL cleaned by Moodle: the number 0 (a text "0" would be truthy in the app).
      assert.equal(settings.get('tool_mobile_showlogoinappheader'), 0);
      assert.equal(settings.get('enabledashboard'), '1');
      assert.equal(settings.get('enablemycourses'), '1');
      assert.equal(settings.get('fullname'), 'Test LMS');

      const mobileOnly = (await appCall(site, token, 'tool_mobile_get_config', { section: 'mobileapp' })).body.settings as Array<{ name: string }>;
      assert.ok(mobileOnly.length > 0);
      assert.ok(mobileOnly.every((s) => s.name.startsWith('tool_mobile_')), JSON.stringify(mobileOnly));
      assert.deepEqual((await appCall(site, token, 'tool_mobile_get_config', { section: 'nosuchsection' })).body.settings, []);
    });

    it('answers the Dashboard’s calls with the site’s empty data in Moodle’s shapes', async () => {
      const expect = async (fn: string, args: Parameters<typeof appCall>[3], body: unknown) => {
        const res = await appCall(site, token, fn, args);
        assertWsResult(res);
        assert.deepEqual(res.body, body, fn);
      };
      await expect('tool_mobile_get_plugins_supporting_mobile', {}, { plugins: [], warnings: [] });
      await expect('core_block_get_dashboard_blocks', { returncontents: '1', mypage: 'my-index' }, { blocks: [], warnings: [] });
      await expect('core_enrol_get_users_courses', { userid: String(userid), returnusercount: '0' }, []);
      await expect('core_group_get_course_user_groups', { courseid: '1', userid: String(userid) }, { groups: [], warnings: [] });
      await expect(
        'core_message_get_messages',
        { useridto: String(userid), useridfrom: '0', type: 'notifications', read: '0', newestfirst: '1', limitfrom: '0', limitnum: '20' },
        { messages: [], warnings: [] },
      );
      await expect('core_filters_get_available_in_context', { contexts: [{ contextlevel: 'course', instanceid: '1' }, { contextlevel: 'user', instanceid: String(userid) }] }, { filters: [], warnings: [] });
    });

    it('gives the site course one empty section (no Site home tab) and no other course', async () => {
      const res = await appCall(site, token, 'core_course_get_contents', { courseid: '1', options: [{ name: 'excludemodules', value: '1' }, { name: 'excludecontents', value: '1' }] });
      assertWsResult(res);
      assert.equal(res.body.length, 1);
      const [section] = res.body;
      assert.equal(section.section, 0);
      assert.equal(typeof section.id, 'number');
      assert.equal(section.visible, 1);
      assert.equal(section.uservisible, true);
      assert.deepEqual(section.modules, []);
      assertWsError(await appCall(site, token, 'core_course_get_contents', { courseid: '2' }), 'invalidrecord');
    });

    it('keeps Moodle’s checks on whose messages one reads', async () => {
      const boss = Number((await findUserByUsername(site.database.db, 'boss'))?.id);
      assertWsError(await appCall(site, token, 'core_message_get_messages', { useridto: String(boss) }), 'accessdenied');
      assertWsError(await appCall(site, token, 'core_message_get_messages', { useridto: '999999' }), 'invalidrecord');
      assertWsResult(await appCall(site, await appToken(site, 'boss'), 'core_message_get_messages', { useridto: String(userid) }));
      assertWsError(await appCall(site, token, 'core_message_get_messages', { useridto: String(userid), type: 'letters' }), 'invalidparameter');
    });
  });
}
