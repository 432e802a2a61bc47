import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit, MoodleAppClient } from '../support/moodleApp.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

const MOODLE_ERROR_KEYS = ['debuginfo', 'error', 'errorcode', 'reproductionlink', 'stacktrace'];

for (const kind of databaseKinds) {
  describe(`login/token.php on ${kind}`, () => {
    let site: TestSite;
    let client: supertest.Agent;
    before(async () => {
      // An https site, as the Moodle app's sites are: token.php sends the private token only there.
      site = await createTestSite(kind, { hostOrigin: 'https://lms.example.test' });
      await site.addUser('mobile');
      client = supertest.agent(site.app);
    });
    after(() => site.close());

    const good = { username: 'mobile', password: TEST_PASSWORD, service: 'moodle_mobile_app' };

    it('issues a token and a private token by POST, as Moodle does', async () => {
      const res = await client.post('/login/token.php').type('form').send(good).expect(200).expect('content-type', /json/);
      assert.deepEqual(Object.keys(res.body).sort(), ['privatetoken', 'token']);
      assert.match(res.body.token, /^[\w-]{32}$/);
    });

    it('sends the private token only to an https site’s non-admins, null otherwise, as Moodle’s token.php does (is_https() && !$siteadmin)', async () => {
      await site.addUser('siteadmin', undefined, true);
      const student = await client.post('/login/token.php').type('form').send(good).expect(200);
      assert.match(student.body.privatetoken, /^[\w-]{64}$/);
      const stored = await site.database.db('lms_external_tokens').where({ token_hash: hashToken(student.body.token) }).first('private_token_hash');
      assert.equal(stored?.private_token_hash, hashToken(student.body.privatetoken), 'the private token issued with this token');
      const admin = await client.post('/login/token.php').type('form').send({ ...good, username: 'siteadmin' }).expect(200);
      assert.ok(admin.body.token);
      assert.equal(admin.body.privatetoken, null, 'never to a site administrator');

      const http = await createTestSite(kind);
      try {
        await http.addUser('mobile');
        const plain = await supertest(http.app).post('/login/token.php').type('form').send(good).expect(200);
        assert.match(plain.body.token, /^[\w-]{32}$/);
        assert.deepEqual(Object.keys(plain.body).sort(), ['privatetoken', 'token'], 'the field is there, as in Moodle');
        assert.equal(plain.body.privatetoken, null, 'never over plain http');

        // Through the second factor too: the app finishes the login at the same door.
        await http.mfa.settings.set('mobile_app_mfa', 'true', 'test');
        const kit = new AppTestKit(http);
        const u = await kit.withTotp('withcode');
        const app = new MoodleAppClient(http, 'POST');
        const first = await app.login(u.username);
        const finished = await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) });
        assert.ok(finished.body.token, finished.text);
        assert.equal(finished.body.privatetoken, null, 'not after MFA either');
      } finally {
        await http.close();
      }
    });

    it('issues a token by GET, as Moodle does', async () => {
      const res = await client.get('/login/token.php').query(good).expect(200);
      assert.ok(res.body.token);
    });

    it('keeps only a hash of the token', async () => {
      const res = await client.post('/login/token.php').type('form').send(good).expect(200);
      const rows = JSON.stringify(await site.database.db('lms_external_tokens').select());
      assert.ok(!rows.includes(res.body.token) && !rows.includes(res.body.privatetoken));
    });

    it('answers a wrong password with invalidlogin in Moodle’s error shape', async () => {
      const res = await client.post('/login/token.php').type('form').send({ ...good, password: 'wrong password' }).expect(200);
      assert.deepEqual(Object.keys(res.body).sort(), MOODLE_ERROR_KEYS);
      assert.equal(res.body.errorcode, 'invalidlogin');
      assert.equal(res.body.error, 'Invalid login, please try again');
      assert.equal(res.body.stacktrace, null);
    });

    it('gives an unknown user the same answer as a wrong password', async () => {
      const res = await client.post('/login/token.php').type('form').send({ ...good, username: 'nobody' }).expect(200);
      assert.equal(res.body.errorcode, 'invalidlogin');
    });

    for (const missing of ['username', 'password', 'service'] as const) {
      it(`names the missing parameter ${missing}`, async () => {
        const { [missing]: _dropped, ...rest } = good;
        const res = await client.post('/login/token.php').type('form').send(rest).expect(200);
        assert.equal(res.body.errorcode, 'missingparam');
        assert.equal(res.body.error, `A required parameter (${missing}) was missing`);
      });
    }

    it('refuses an unknown service with servicenotavailable', async () => {
      const res = await client.post('/login/token.php').type('form').send({ ...good, service: 'no_such_service' }).expect(200);
      assert.equal(res.body.errorcode, 'servicenotavailable');
    });

    it('answers odd input with HTTP 200 in Moodle’s shape, an errorcode and no token, never a 5xx', async () => {
      const odd: Array<[string, () => supertest.Test]> = [
        ['repeated username', () => client.get('/login/token.php?username=a&username=b&password=x&service=moodle_mobile_app')],
        ['malformed JSON', () => client.post('/login/token.php').set('content-type', 'application/json').send('{"username":')],
        ['huge body', () => client.post('/login/token.php').type('form').send({ ...good, password: 'x'.repeat(200_000) })],
        ['JSON array', () => client.post('/login/token.php').send([1, 2, 3])],
        ['object username', () => client.post('/login/token.php').send({ ...good, username: { $gt: '' } })],
        ['empty body', () => client.post('/login/token.php')],
        ['PUT', () => client.put('/login/token.php').type('form').send(good)],
      ];
      for (const [name, request] of odd) {
        const res = await request();
        assert.equal(res.status, 200, `${name}: ${res.status}`);
        assert.equal(res.headers['access-control-allow-origin'], '*', name);
        assert.match(res.body.errorcode, /^(invalidparameter|missingparam|invalidrequest)$/, `${name}: ${res.text.slice(0, 120)}`);
        assert.equal(typeof res.body.error, 'string', name);
        assert.equal(res.body.token, undefined, name);
      }
    });
  });
}
