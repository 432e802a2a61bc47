import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit, MoodleAppReplay, whatTheAppShows } from '../support/moodleApp.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

/** moodleapp's MINIMUM_MOODLE_VERSION (3.5) as a version number (src/core/constants.ts MOODLE_RELEASES). */
const MINIMUM_MOODLE_VERSION = 2018051700;

/**
 * The official app's whole sign-in, request by request, as a user adding this site sees it:
 * site check → token → site info → site config, each answered as the app reads it. With
 * "Enable MFA for the mobile app" off a user with TOTP signs in with the password; with it
 * on the app shows MDL-78816's error in the details of its alert (the seed's acceptance test).
 */
for (const kind of databaseKinds) {
  describe(`the Moodle app signs in with username and password on ${kind}`, () => {
    let site: TestSite;
    let kit: AppTestKit;
    let app: MoodleAppReplay;
    before(async () => {
      site = await createTestSite(kind);
      kit = new AppTestKit(site);
      app = new MoodleAppReplay(site);
    });
    after(() => site.close());

    /** Steps 1 and 2; returns what the app shows after the token request. */
    async function signIn(username: string) {
      const check = await app.siteCheck();
      assert.equal(check.status, 200);
      const config = check.body[0].data;
      // The app's own gates after the site check (CoreSitesProvider.checkSite, CoreLoginHelper.isSSOLoginNeeded).
      assert.ok(config.enablewebservices && config.enablemobilewebservice, 'the app would say "not accessible through the app"');
      assert.equal(config.typeoflogin, 1, 'the app shows its own username and password form');
      return whatTheAppShows(await app.token(username));
    }

    it('with the toggle off, a user with TOTP signs in: token, site info and config as the app needs them', async () => {
      await site.mfa.settings.set('mobile_app_mfa', 'false', 'admin');
      const u = await kit.withTotp('offline-reader');
      const outcome = await signIn('offline-reader');
      assert.equal(outcome.shows, 'logged-in', JSON.stringify(outcome));
      if (outcome.shows !== 'logged-in') return;

      const infoRes = await app.rest('core_webservice_get_site_info', outcome.token);
      assert.equal(infoRes.status, 200);
      assert.equal(infoRes.headers['access-control-allow-origin'], '*');
      const info = infoRes.body;
      assert.equal(info.exception, undefined, infoRes.text.slice(0, 300));
      for (const field of ['sitename', 'username', 'firstname', 'lastname', 'fullname', 'lang', 'siteurl', 'userpictureurl']) assert.equal(typeof info[field], 'string', field);
      assert.equal(info.userid, Number(u.id));
      assert.equal(info.username, 'offline-reader');
      assert.equal(info.siteurl, 'http://localhost');
      // CoreSitesProvider.isValidMoodleVersion: parseInt(version) ≥ 3.5's, or else the release number.
      assert.ok(Number.parseInt(info.version, 10) >= MINIMUM_MOODLE_VERSION, `version ${info.version}`);
      const names = (info.functions as Array<{ name: string; version: string }>).map((f) => f.name);
      assert.ok(names.includes('tool_mobile_get_config'), 'the app calls tool_mobile_get_config next, and only listed functions');
      assert.ok(!names.includes('tool_program_get_user_programs') && !names.includes('tool_catalogue_get_user_catalogue'), 'Workplace functions send users to another app');

      const configRes = await app.rest('tool_mobile_get_config', outcome.token);
      assert.equal(configRes.status, 200);
      assert.equal(configRes.body.exception, undefined, configRes.text.slice(0, 300));
      assert.ok(Array.isArray(configRes.body.settings));
      for (const setting of configRes.body.settings) assert.equal(typeof setting.name, 'string');
      assert.deepEqual(configRes.body.warnings, []);
    });

    it('with the toggle on, the app shows "Multi-factor authentication is required for this service" in its alert’s details', async () => {
      await site.mfa.settings.set('mobile_app_mfa', 'true', 'admin');
      await kit.withTotp('guarded-reader');
      const tokensBefore = await kit.tokenCount();
      const outcome = await signIn('guarded-reader');
      assert.deepEqual(outcome, { shows: 'cannot-connect-alert', details: { code: 'mfarequired', details: 'Multi-factor authentication is required for this service' } });
      assert.equal(await kit.tokenCount(), tokensBefore, 'no token was issued');
    });

    it('with the toggle on, a wrong password still reads as a wrong password, and a user with nothing set up still signs in', async () => {
      await site.mfa.settings.set('mobile_app_mfa', 'true', 'admin');
      await kit.withTotp('typo-reader');
      assert.deepEqual(whatTheAppShows(await app.token('typo-reader', 'not the password')), { shows: 'error-dialog', message: 'Invalid login, please try again' });
      await kit.user('plain-reader');
      assert.equal((await signIn('plain-reader')).shows, 'logged-in');
    });

    it('finds the user whatever the case the username was typed in, as Moodle does', async () => {
      await site.mfa.settings.set('mobile_app_mfa', 'false', 'admin');
      await kit.user('mixed-case');
      assert.equal((await signIn('  Mixed-Case ')).shows, 'logged-in');
    });
  });
}
