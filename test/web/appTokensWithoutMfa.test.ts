import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { SITE_INFO_CALL } from '../support/mobileLaunchSteps.ts';
import { createTestSite, csrfFrom, TEST_PASSWORD, type TestBrowser, type TestSite } from '../support/testSite.ts';

/**
 * Issue 11 finding 15: app tokens handed out while "Enable MFA for the mobile app" was off
 * keep skipping MFA after it is switched on; the settings page says how many and offers
 * to revoke them in the same save.
 */
for (const kind of databaseKinds) {
  describe(`app tokens issued without MFA, when MFA is switched on for the app, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('boss', undefined, true);
    });
    after(() => site.close());

    async function appToken(username: string): Promise<string> {
      const res = await supertest(site.app).post('/login/token.php').type('form').send({ username, password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
      assert.equal(typeof res.body.token, 'string', JSON.stringify(res.body));
      return res.body.token;
    }

    async function works(token: string): Promise<boolean> {
      const res = await supertest(site.app).post('/webservice/rest/server.php').type('form').send({ ...SITE_INFO_CALL, wstoken: token }).expect(200);
      return typeof res.body.userid === 'number';
    }

    async function settingsForm(admin: TestBrowser): Promise<{ page: string; form: Record<string, string> }> {
      const page = (await admin.agent.get('/admin/mfa/settings').expect(200)).text;
      const form: Record<string, string> = { _csrf: csrfFrom(page) };
      for (const { definition, value } of (await site.mfa.settings.snapshot()).entries()) {
        if (definition.type === 'boolean') {
          if (value === true) form[definition.name] = 'true';
        } else form[definition.name] = Array.isArray(value) ? value.join('\n') : String(value);
      }
      return { page, form };
    }

    it('says how many app tokens skipped MFA and revokes them in the save that switches it on', async () => {
      await site.addUser('phone1');
      await site.addUser('phone2');
      const tokens = [await appToken('phone1'), await appToken('phone2'), await appToken('phone2')];
      const admin = site.browser();
      await admin.login('boss');
      const { page, form } = await settingsForm(admin);
      assert.match(page, /3 app tokens of 2 users who signed in to the mobile app without MFA still work/);
      assert.match(page, /name="revoke_app_tokens_without_mfa" value="true" checked/, 'offered, ticked by default');
      const saved = await admin.agent.post('/admin/mfa/settings').type('form').send({ ...form, mobile_app_mfa: 'true', revoke_app_tokens_without_mfa: 'true' }).expect(303);
      assert.equal(saved.headers.location, '/admin/mfa/settings');
      const after = (await admin.agent.get('/admin/mfa/settings').expect(200)).text;
      assert.match(after, /Revoked 3 app tokens issued without MFA/);
      assert.doesNotMatch(after, /without MFA still work/, 'no offer once MFA is on for the app');
      for (const token of tokens) assert.equal(await works(token), false, 'a revoked token opens nothing');
      const revokedRows = await site.mfa.audit.recent({ event: 'service_token_revoked' });
      assert.equal(revokedRows.filter((r) => r.actor === 'boss').length, 3, 'each revocation audited with the admin as actor');
      // A token issued with MFA on (no second factor set up: passes) is not counted next time.
      await site.mfa.settings.set('mobile_app_mfa', false, 'boss');
      assert.doesNotMatch((await admin.agent.get('/admin/mfa/settings')).text, /app tokens? of/, 'nothing issued without MFA since it was last on');
    });

    it('leaves them working when the admin unticks the offer, and says so', async () => {
      await site.mfa.settings.set('mobile_app_mfa', false, 'boss');
      await site.addUser('phone3');
      const token = await appToken('phone3');
      const admin = site.browser();
      await admin.login('boss');
      const { page, form } = await settingsForm(admin);
      assert.match(page, /1 app token of 1 user who signed in/);
      await admin.agent.post('/admin/mfa/settings').type('form').send({ ...form, mobile_app_mfa: 'true' }).expect(303);
      assert.match((await admin.agent.get('/admin/mfa/settings')).text, /1 app token issued without MFA still works until revoked/);
      assert.equal(await works(token), true);
      assert.equal((await site.mfa.settings.snapshot()).boolean('mobile_app_mfa'), true);
    });
  });
}
