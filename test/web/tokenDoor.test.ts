import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { MFA_REQUIRED_FOR_SERVICE } from '../../adapters/express/token/createMfaTokenDoor.ts';
import { findUserByUsername } from '../../lms/users.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { withSettings } from '../support/withSettings.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`the mobile-app toggle at login/token.php on ${kind}`, () => {
    let site: TestSite;
    const tokenCall = (username: string) =>
      supertest(site.app).post('/login/token.php').type('form').send({ username, password: TEST_PASSWORD, service: 'moodle_mobile_app' });

    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('app-user');
      await site.addUser('no-factor');
      const user = await findUserByUsername(site.database.db, 'app-user');
      assert.ok(user);
      const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, {});
      await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: 'app-user', ip: null });
    });
    after(() => site.close());

    it('issues tokens after the password alone while the toggle is off (the default)', async () => {
      assert.equal((await site.mfa.settings.get('mobile_app_mfa')), false);
      const res = await tokenCall('app-user').expect(200);
      assert.ok(res.body.token);
    });

    it('refuses a user with a second factor, in Moodle’s words, once the toggle is on', async () => {
      await withSettings(site.mfa, { mobile_app_mfa: true }, async () => {
        const res = await tokenCall('app-user').expect(200);
        assert.equal(res.body.errorcode, 'mfarequired');
        assert.equal(res.body.error, MFA_REQUIRED_FOR_SERVICE);
        assert.equal(res.body.error, 'Multi-factor authentication is required for this service');
        for (const key of ['stacktrace', 'debuginfo', 'reproductionlink']) assert.equal(res.body[key], null);
      });
    });

    it('still issues a token to a user who passes without input', async () => {
      await withSettings(site.mfa, { mobile_app_mfa: true }, async () => {
        // Every answer here is HTTP 200 (Moodle's contract): what counts is a token and no errorcode.
        const plain = await tokenCall('no-factor').expect(200);
        assert.equal(plain.body.errorcode, undefined, plain.text);
        assert.match(plain.body.token, /^[\w-]{32}$/, 'nothing set up: the password alone');
        const outside = await tokenCall('app-user').expect(200);
        assert.equal(outside.body.errorcode, 'mfarequired', 'outside a trusted network the factor is asked for');
        await withSettings(site.mfa, { 'factor.ip_range.enabled': true, 'factor.ip_range.ranges': '127.0.0.0/8\n::1/128' }, async () => {
          const res = await tokenCall('app-user').expect(200);
          assert.equal(res.body.errorcode, undefined, `the trusted network passes MFA at the token door: ${res.text}`);
          assert.match(res.body.token, /^[\w-]{32}$/);
          const [passed] = await site.mfa.audit.recent({ event: 'mfa_passed', userId: (await findUserByUsername(site.database.db, 'app-user'))?.id });
          assert.deepEqual([passed?.door, passed?.detail?.factors], ['token', ['ip_range']], 'passed by the trusted network, at the token door');
        });
      });
    });

    it('checks the password before saying anything about MFA', async () => {
      const res = await supertest(site.app).post('/login/token.php').type('form').send({ username: 'app-user', password: 'wrong', service: 'moodle_mobile_app' }).expect(200);
      assert.equal(res.body.errorcode, 'invalidlogin');
    });
  });
}
