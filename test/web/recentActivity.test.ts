import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { loggedInWithApp, passWithCode, userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`recent activity on /user/security, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    it('lists the user’s own MFA events in plain words, with time, address and door, and what to do', async () => {
      await loggedInWithApp(site, 'someone-else');
      const { browser, secret } = await loggedInWithApp(site, 'watcher', 'Pixel');
      const userId = await userIdOf(site, 'watcher');
      // A wrong code in a second login, then a rename, then an admin reset of the email factor (nothing to reset, still audited).
      const second = site.browser();
      await second.login('watcher');
      const mfa = await second.agent.get('/mfa').expect(200);
      await second.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(mfa.text), factor: 'totp', code: '000000' }).expect(401);
      const security = await browser.agent.get('/user/security').expect(200);
      const id = /name="factor" value="totp">\s*<input type="hidden" name="id" value="(\d+)"/.exec(security.text)?.[1];
      await browser.agent.post('/user/security/devices/rename').type('form').send({ _csrf: csrfFrom(security.text), factor: 'totp', id, label: 'Work phone' }).expect(303);
      await site.mfa.admin.resetUserFactors({ userId, factor: 'email', actor: 'siteadmin', reason: 'Internal ticket 4711: caller verified' });
      // The reset signed the user out everywhere: they read their activity from a new login.
      await browser.agent.get('/user/security').expect(303);
      const again = site.browser();
      await again.login('watcher');
      await passWithCode(site, again, secret);

      const page = (await again.agent.get('/user/security').expect(200)).text;
      const activity = page.slice(page.indexOf('id="activity-heading"'));
      assert.ok(activity.length > 100, 'the section is there');
      for (const words of [
        /An administrator reset your email codes/,
        /2 sessions were signed out after an administrator reset your ways of verifying/,
        /Authenticator app was renamed to “Work phone”/,
        /A wrong code was entered for your authenticator app/,
        /Signed in with your authenticator app/,
        /Authenticator app “Pixel” was added/,
        /from 127\.0\.0\.1 · in a browser/,
        /\d{4}-\d\d-\d\d \d\d:\d\d UTC/,
      ]) {
        assert.match(activity, words);
      }
      assert.match(activity, /If you don’t recognise this activity,<\/strong> change your password, remove the factor, and contact your administrator\./);
      // Newest first.
      assert.ok(activity.indexOf('sessions were signed out') < activity.indexOf('An administrator reset'));
      assert.ok(activity.indexOf('An administrator reset') < activity.lastIndexOf('Signed in with'));
      assert.doesNotMatch(activity, /ticket 4711/, 'an admin’s reason is theirs, not shown here');
      assert.doesNotMatch(page, new RegExp(secret), 'never a secret');
      assert.doesNotMatch(activity, /attempt opened|attempt_opened/, 'no noise from every password login');
      assert.equal((activity.match(/<li>/g) ?? []).length, (await site.mfa.audit.recent({ userId, limit: 100 })).filter((r) => r.event !== 'attempt_opened').length);
    });

    it('shows no more than the last 20 events', async () => {
      const { browser } = await loggedInWithApp(site, 'busy');
      const userId = await userIdOf(site, 'busy');
      for (let i = 0; i < 25; i++) await site.mfa.audit.record({ event: 'factor_failed', userId, factor: 'totp', door: 'web', ip: '192.0.2.7', detail: { reason: 'invalid' } });
      const page = (await browser.agent.get('/user/security').expect(200)).text;
      const activity = page.slice(page.indexOf('id="activity-heading"'));
      assert.equal((activity.match(/<li>/g) ?? []).length, 20);
    });

    it('shows a sign-in that needed no second step (nothing set up yet) as such', async () => {
      await site.addUser('quiet');
      const browser = site.browser();
      await browser.login('quiet');
      const page = (await browser.agent.get('/user/security').expect(200)).text;
      assert.match(page, /Recent activity<\/h2>\s*<ol class="activity"><li><span class="what">Signed in without a second step<\/span>/);
    });
  });
}
