import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { databaseKinds } from '../support/databases.ts';
import { appCall, appToken, assertWsAnswer, assertWsError, assertWsResult, SERVER } from '../support/moodleWebService.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`webservice/rest/server.php refusals on ${kind}: Moodle's error body, HTTP 200, never a 5xx`, () => {
    let site: TestSite;
    let token: string;
    const tokenRow = (t: string) => site.database.db('lms_external_tokens').where({ token_hash: hashToken(t) });
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('learner');
      token = await appToken(site, 'learner');
    });
    after(() => site.close());

    it('answers a call without a token, or with one the site never issued, with invalidtoken', async () => {
      const noToken = await supertest(site.app).post(`${SERVER}?moodlewsrestformat=json&wsfunction=core_webservice_get_site_info`).type('form').send('wsfunction=core_webservice_get_site_info');
      assertWsError(noToken, 'invalidtoken', 'moodle_exception');
      assert.equal(noToken.body.message, 'Invalid token - token not found');
      assertWsError(await appCall(site, 'f'.repeat(32), 'core_webservice_get_site_info'), 'invalidtoken');
      assertWsError(await appCall(site, '', 'core_webservice_get_site_info'), 'invalidtoken');
    });

    it('stops a revoked or expired token at its next call (invalidtoken: the app ends the session)', async () => {
      const revoked = await appToken(site, 'learner');
      const expired = await appToken(site, 'learner');
      assertWsResult(await appCall(site, revoked, 'core_webservice_get_site_info'));
      assertWsResult(await appCall(site, expired, 'core_webservice_get_site_info'));
      await tokenRow(revoked).update({ revoked_at: Date.now() });
      await tokenRow(expired).update({ valid_until: Date.now() - 1000 });
      assertWsError(await appCall(site, revoked, 'core_webservice_get_site_info'), 'invalidtoken');
      assertWsError(await appCall(site, expired, 'core_webservice_get_site_info'), 'invalidtoken');
      assertWsResult(await appCall(site, token, 'core_webservice_get_site_info'));
    });

    it('refuses a suspended user with wsaccessusersuspended, which the app turns into its "suspended" logout', async () => {
      await site.addUser('leaver');
      const theirs = await appToken(site, 'leaver');
      await site.database.db('lms_users').where({ username: 'leaver' }).update({ suspended: true });
      const res = await appCall(site, theirs, 'tool_mobile_get_config');
      assertWsError(res, 'wsaccessusersuspended', 'moodle_exception');
      assert.match(res.body.message, /suspended username: leaver/);
    });

    it('names an unknown or missing function as Moodle does', async () => {
      const unknown = await appCall(site, token, 'core_no_such_function');
      assertWsError(unknown, 'invalidrecord', 'dml_missing_record_exception');
      assert.equal(unknown.body.message, "Can't find data record in database table external_functions.");
      const missing = await supertest(site.app).post(`${SERVER}?moodlewsrestformat=json`).type('form').send(`wstoken=${token}`);
      assertWsError(missing, 'invalidparameter', 'invalid_parameter_exception');
      assert.match(missing.body.debuginfo, /Missing function name/);
    });

    it('refuses a function that is not in the token’s service with accessexception', async () => {
      const [serviceId] = await site.database.db('lms_external_services').insert({ shortname: 'reports_sync', name: 'Reports sync', enabled: true });
      const userId = (await site.database.db('lms_users').where({ username: 'learner' }).first('id')).id;
      const other = 'a'.repeat(32);
      await site.database.db('lms_external_tokens').insert({ user_id: userId, service_id: serviceId, token_hash: hashToken(other), private_token_hash: hashToken('x'), created_at: Date.now() });
      assertWsError(await appCall(site, other, 'core_webservice_get_site_info'), 'accessexception', 'webservice_access_exception');
    });

    it('answers missing, mistyped and unexpected parameters with invalidparameter and says which', async () => {
      const cases: Array<[string, Parameters<typeof appCall>[3], RegExp]> = [
        ['core_enrol_get_users_courses', {}, /userid: missing required key/],
        ['core_enrol_get_users_courses', { userid: 'abc' }, /userid: expected a whole number/],
        ['core_enrol_get_users_courses', { userid: '01' }, /userid/],
        ['core_enrol_get_users_courses', { userid: '2', returnusercount: 'true' }, /returnusercount: expected 0 or 1/],
        ['core_enrol_get_users_courses', { userid: '2', colour: 'blue' }, /unexpected keys \(colour\)/],
        ['core_course_get_contents', { courseid: '1', options: 'excludemodules' }, /options: expected a list/],
        ['core_course_get_contents', { courseid: '1', options: [{ name: 'exclude modules', value: '1' }] }, /options\.0\.name/],
        ['core_course_get_contents', { courseid: { 0: '1' } }, /courseid/],
        ['core_filters_get_available_in_context', { contexts: [{ contextlevel: 'planet', instanceid: '1' }] }, /Invalid context level = planet/],
        ['tool_mobile_get_config', { section: 'no spaces' }, /section/],
      ];
      for (const [fn, args, detail] of cases) {
        const res = await appCall(site, token, fn, args);
        assertWsError(res, 'invalidparameter', 'invalid_parameter_exception');
        assert.equal(res.body.message, 'Invalid parameter value detected');
        assert.match(res.body.debuginfo, detail, `${fn} ${JSON.stringify(args)}`);
      }
    });

    it('reads GET and POST fields as PHP does: the query string and a form body, nothing from a JSON body', async () => {
      const query = `moodlewsrestformat=json&wsfunction=core_webservice_get_site_info&wstoken=${token}`;
      assertWsResult(await supertest(site.app).get(`${SERVER}?${query}`).set('Origin', 'http://localhost'));
      // Fields in both: the body wins (array_merge($_GET, $_POST)).
      const both = await supertest(site.app).post(`${SERVER}?wstoken=${'0'.repeat(32)}&wsfunction=core_webservice_get_site_info`).type('form').send(`wstoken=${token}`);
      assertWsResult(both);
      const json = await supertest(site.app).post(`${SERVER}?moodlewsrestformat=json&wsfunction=core_webservice_get_site_info`).send({ wstoken: token });
      assertWsError(json, 'invalidtoken');
    });

    it('answers an unreadable body, an oversized one and other methods in the same shape', async () => {
      const malformed = await supertest(site.app).post(`${SERVER}?wstoken=${token}&wsfunction=tool_mobile_get_config`).set('Content-Type', 'application/json').send('{"wstoken":');
      assertWsError(malformed, 'invalidparameter');
      const tooMany = Array.from({ length: 150 }, (_, i) => `f${i}=1`).join('&');
      assertWsError(await supertest(site.app).post(`${SERVER}?wstoken=${token}&wsfunction=tool_mobile_get_config`).type('form').send(tooMany), 'invalidparameter');
      const put = await supertest(site.app).put(`${SERVER}?wstoken=${token}&wsfunction=tool_mobile_get_config`);
      assertWsError(put, 'invalidparameter');
      assert.match(put.body.debuginfo, /GET or POST/);
    });

    it('answers the WebView’s preflight for any origin', async () => {
      const res = await supertest(site.app)
        .options(SERVER)
        .set('Origin', 'http://localhost')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
      assert.equal(res.status, 204);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(String(res.headers['access-control-allow-methods']), /POST/);
      assert.match(String(res.headers['access-control-allow-headers']), /Content-Type/i);
    });
  });

  describe(`webservice/rest/server.php during a database outage on ${kind}`, () => {
    let site: TestSite;
    let token: string;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('learner');
      token = await appToken(site, 'learner');
    });
    after(() => site.close());

    it('says so in Moodle’s shape, with Retry-After, instead of a 5xx', async () => {
      await site.database.db.destroy();
      const res = await appCall(site, token, 'core_webservice_get_site_info');
      assertWsAnswer(res);
      assert.equal(res.body.errorcode, 'dbconnectionfailed');
      assert.match(res.body.message, /database.*try again/i);
      assert.equal(res.headers['retry-after'], '30');
    });
  });
}
