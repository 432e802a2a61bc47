import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { loggedInWithApp, userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`renaming devices on /user/security, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    async function totpIdOf(username: string): Promise<number> {
      const row = await site.database.db('mfa_user_factors').where({ user_id: await userIdOf(site, username), factor: 'totp' }).whereNotNull('confirmed_at').first('id');
      assert.ok(row, `${username} has an authenticator app`);
      return Number(row.id);
    }
    const labelOf = async (id: number) => String((await site.database.db('mfa_user_factors').where({ id }).first('label')).label);

    it('renames the user’s own authenticator app, trimmed, and audits factor_renamed', async () => {
      const { browser } = await loggedInWithApp(site, 'namer', 'Old phone');
      const id = await totpIdOf('namer');
      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /<label for="device-name-totp-\d+">New name for Old phone<\/label>/, 'the field has its label');
      await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrfFrom(security.text), factor: 'totp', id, label: '  Work phone  ' }).expect(303).expect('location', '/user/security');
      assert.equal(await labelOf(id), 'Work phone');
      const after = await browser.agent.get('/user/security').expect(200);
      assert.match(after.text, /Renamed to “Work phone”\./);
      const [audit] = await site.mfa.audit.recent({ userId: await userIdOf(site, 'namer'), event: 'factor_renamed' });
      assert.equal(audit?.factor, 'totp');
      assert.deepEqual(audit?.detail, { deviceId: id, label: 'Work phone' });
    });

    it('refuses an empty or too long name with 400 and the error beside the field, changing nothing', async () => {
      const { browser } = await loggedInWithApp(site, 'badnames', 'Phone');
      const id = await totpIdOf('badnames');
      const csrf = csrfFrom((await browser.agent.get('/user/security').expect(200)).text);
      for (const label of ['', '    ', 'x'.repeat(101)]) {
        const res = await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'totp', id, label }).expect(400);
        assert.match(res.text, /Give the device a name of 1 to 100 characters\./);
        assert.match(res.text, new RegExp(`id="device-name-totp-${id}"[^>]*aria-invalid="true" aria-describedby="device-name-totp-${id}-error"`));
        assert.match(res.text, new RegExp(`<p id="device-name-totp-${id}-error" class="error" role="alert">`));
      }
      await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'totp', id, label: 'y'.repeat(100) }).expect(303);
      assert.equal(await labelOf(id), 'y'.repeat(100), '100 characters is allowed');
    });

    it('refuses another user’s device with 404 and leaves it as it was', async () => {
      await loggedInWithApp(site, 'victim', 'Victim phone');
      const theirs = await totpIdOf('victim');
      const { browser } = await loggedInWithApp(site, 'intruder', 'Mine');
      const csrf = csrfFrom((await browser.agent.get('/user/security').expect(200)).text);
      const res = await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'totp', id: theirs, label: 'Hacked' }).expect(404);
      assert.match(res.text, /not on your account/);
      // The same id under another factor's name must not slip past the ownership check either.
      await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'webauthn', id: theirs, label: 'Hacked' }).expect(404);
      assert.equal(await labelOf(theirs), 'Victim phone');
      assert.equal((await site.mfa.audit.recent({ event: 'factor_renamed', userId: await userIdOf(site, 'intruder') })).length, 0);
    });

    it('answers 400 for a factor the user cannot rename or does not exist', async () => {
      const { browser } = await loggedInWithApp(site, 'oddfactor');
      const csrf = csrfFrom((await browser.agent.get('/user/security').expect(200)).text);
      assert.match((await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'email', id: 1, label: 'Mail' }).expect(400)).text, /cannot be renamed/);
      await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrf, factor: 'nope', id: 1, label: 'Mail' }).expect(400);
    });
  });
}
