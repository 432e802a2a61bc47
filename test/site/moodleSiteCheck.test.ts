import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { MoodleAppReplay, type SiteCheckTransport } from '../support/moodleApp.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

/** The fields moodleapp's CoreSitePublicConfigResponse requires, by the JSON type the app compares them as. */
const REQUIRED_FIELDS: Record<string, 'string' | 'number'> = {
  wwwroot: 'string',
  httpswwwroot: 'string',
  sitename: 'string',
  guestlogin: 'number',
  rememberusername: 'number',
  authloginviaemail: 'number',
  registerauth: 'string',
  forgottenpasswordurl: 'string',
  authinstructions: 'string',
  authnoneenabled: 'number',
  enablewebservices: 'number',
  enablemobilewebservice: 'number',
  maintenanceenabled: 'number',
  maintenancemessage: 'string',
  typeoflogin: 'number',
  showloginform: 'number',
};

const AJAX = '/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config&lang=en';

/** The one answer of a one-call batch, checked the way performAjax reads it. */
function configFrom(res: supertest.Response): Record<string, unknown> {
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.ok(Array.isArray(res.body), `a success is an array: ${res.text.slice(0, 200)}`);
  assert.equal(res.body.length, 1);
  assert.equal(res.body[0].error, false, JSON.stringify(res.body[0]));
  return res.body[0].data;
}

/** A request-level failure: an object (not an array) with `error` and `errorcode`, which the app shows. */
function assertAjaxFailure(res: supertest.Response, errorcode: string): void {
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.ok(!Array.isArray(res.body) && typeof res.body === 'object', res.text.slice(0, 200));
  assert.equal(res.body.errorcode, errorcode, res.text.slice(0, 300));
  assert.equal(typeof res.body.error, 'string');
}

/** One failed call inside a batch: `{error: true, exception: {message, errorcode, link, moreinfourl}}`. */
function assertCallFailure(res: supertest.Response, errorcode: string): void {
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.ok(Array.isArray(res.body), res.text.slice(0, 200));
  assert.equal(res.body[0].error, true);
  assert.deepEqual(Object.keys(res.body[0].exception).sort(), ['errorcode', 'link', 'message', 'moreinfourl']);
  assert.equal(res.body[0].exception.errorcode, errorcode);
}

for (const kind of databaseKinds) {
  describe(`the Moodle app's site check (tool_mobile_get_public_config) on ${kind}`, () => {
    let site: TestSite;
    let app: MoodleAppReplay;
    before(async () => {
      site = await createTestSite(kind);
      app = new MoodleAppReplay(site);
    });
    after(() => site.close());

    for (const transport of ['native', 'browser', 'get'] as SiteCheckTransport[]) {
      it(`answers the ${transport} request with every field the app needs, integers as JSON numbers`, async () => {
        const config = configFrom(await app.siteCheck(transport));
        for (const [field, type] of Object.entries(REQUIRED_FIELDS)) assert.equal(typeof config[field], type, `${field}: ${JSON.stringify(config[field])}`);
        assert.deepEqual(config.warnings, []);
        // Every later request goes to httpswwwroot: it must be the site itself.
        assert.equal(config.httpswwwroot, 'http://localhost');
        assert.equal(config.wwwroot, 'http://localhost');
        assert.equal(config.sitename, 'Test LMS');
        // The app refuses a site whose web services are off ("not accessible through the app").
        assert.equal(config.enablewebservices, 1);
        assert.equal(config.enablemobilewebservice, 1);
        assert.equal(config.typeoflogin, 1);
        assert.equal(config.launchurl, 'http://localhost/admin/tool/mobile/launch.php');
        assert.equal(config.tool_mfa_enabled, true);
      });
    }

    it('reports the login type the admin chose as Moodle’s typeoflogin number', async () => {
      try {
        for (const [value, number] of [['browser', 2], ['embedded_browser', 3], ['app', 1]] as const) {
          await site.mfa.settings.set('mobile_app_login_type', value, 'admin');
          assert.equal(configFrom(await app.siteCheck()).typeoflogin, number, value);
        }
      } finally {
        await site.mfa.settings.set('mobile_app_login_type', 'app', 'admin');
      }
    });

    it('says tool_mfa_enabled false while the plugin is switched off', async () => {
      try {
        await site.mfa.settings.set('enabled', 'false', 'admin');
        assert.equal(configFrom(await app.siteCheck()).tool_mfa_enabled, false);
      } finally {
        await site.mfa.settings.set('enabled', 'true', 'admin');
      }
    });

    it('says enablemobilewebservice 0 when the app’s service is switched off', async () => {
      const services = () => site.database.db('lms_external_services').where({ shortname: 'moodle_mobile_app' });
      try {
        await services().update({ enabled: false });
        assert.equal(configFrom(await app.siteCheck()).enablemobilewebservice, 0);
      } finally {
        await services().update({ enabled: true });
      }
    });

    it('answers an empty or unreadable body with codingerror, which sends the app to its GET retry', async () => {
      for (const body of ['', '[{"index":0,', 'null']) assertAjaxFailure(await app.siteCheck('native', body), 'codingerror');
      // The GET retry with the same call then works.
      configFrom(await app.siteCheck('get'));
    });

    it('answers a body that is JSON but not a batch of calls with codingerror', async () => {
      for (const body of ['{}', '[]', '[1]', '[{"index":"x","methodname":"tool_mobile_get_public_config"}]', '[{"index":0,"methodname":"a"},{"index":0,"methodname":"b"}]', JSON.stringify(Array.from({ length: 11 }, (_, index) => ({ index, methodname: 'tool_mobile_get_public_config', args: {} })))]) {
        assertAjaxFailure(await app.siteCheck('native', body), 'codingerror');
      }
    });

    it('answers an unknown function and unexpected arguments per call, in Moodle’s exception shape', async () => {
      assertCallFailure(await app.siteCheck('native', '[{"index":0,"methodname":"core_webservice_get_site_info","args":{}}]'), 'invalidrecord');
      assertCallFailure(await app.siteCheck('native', '[{"index":0,"methodname":"__proto__","args":{}}]'), 'invalidrecord');
      const res = await app.siteCheck('native', '[{"index":0,"methodname":"tool_mobile_get_public_config","args":{"userid":"2"}}]');
      assertCallFailure(res, 'invalidparameter');
      assert.match(res.body[0].exception.message, /Unexpected keys \(userid\)/);
    });

    it('answers a batch in index order, each call on its own', async () => {
      const res = await app.siteCheck('native', '[{"index":1,"methodname":"nope","args":{}},{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]');
      assert.equal(res.body.length, 2);
      assert.equal(res.body[0].error, false);
      assert.equal(res.body[1].exception.errorcode, 'invalidrecord');
    });

    it('answers a body over 64 KB, a bad charset and other methods in the same contract, never a 5xx', async () => {
      const client = supertest(site.app);
      const odd = [
        await client.post(AJAX).set('Content-Type', 'application/json').send(`[${' '.repeat(70_000)}]`),
        await client.post(AJAX).set('Content-Type', 'application/json; charset=klingon').send('[]'),
        await client.put(AJAX).send('[]'),
      ];
      for (const res of odd) {
        assert.equal(res.status, 200, res.text.slice(0, 200));
        assert.equal(typeof res.body.errorcode, 'string', res.text.slice(0, 200));
      }
    });

    it('answers the CORS preflight a JSON body from another origin needs', async () => {
      const res = await supertest(site.app).options(AJAX).set('Origin', 'http://localhost').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type');
      assert.equal(res.status, 204);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(String(res.headers['access-control-allow-methods']), /POST/);
      assert.match(String(res.headers['access-control-allow-headers']), /Content-Type/i);
    });

    it('sets no cookie (Moodle’s NO_MOODLE_COOKIES: the app keeps none)', async () => {
      const res = await app.siteCheck();
      configFrom(res);
      assert.equal(res.headers['set-cookie'], undefined);
    });
  });
}
