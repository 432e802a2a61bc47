import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailMessage } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { addAuthenticatorApp, passWithCode, userIdOf } from '../support/securityPageSteps.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

const FIREFOX = { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' };
const CHROME_ANDROID = { 'User-Agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36' };

for (const kind of databaseKinds) {
  describe(`security mails, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    /** The mails to `username` since `from`, once every notification started so far is done. */
    async function mailsTo(username: string, from = 0): Promise<MailMessage[]> {
      await site.mfa.notifications.settled();
      return site.mail.slice(from).filter((m) => m.to === `${username}@example.test`);
    }

    /** Every security mail says what, when, from where, and what to do if it was not you. */
    function assertSecurityMail(mail: MailMessage | undefined, subject: RegExp, what: RegExp): void {
      assert.ok(mail, 'a mail was sent');
      assert.match(mail.subject, subject);
      assert.match(mail.text, what);
      assert.match(mail.text, /When: {4}\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d UTC/);
      assert.match(mail.text, /From IP: 127\.0\.0\.1/);
      assert.match(mail.text, /If this wasn't you: .*(password|administrator)/);
    }

    it('mails when a factor is added and removed, never with its secret', async () => {
      await site.addUser('mailme');
      const browser = site.browser();
      await browser.login('mailme');
      const start = site.mail.length;
      const secret = await addAuthenticatorApp(site, browser, 'Pixel');
      const [added] = await mailsTo('mailme', start);
      assertSecurityMail(added, /^Authenticator app added on Test LMS$/, /Authenticator app \("Pixel"\)/);
      assert.doesNotMatch(added!.text, new RegExp(secret), 'never the secret');

      const security = await browser.agent.get('/user/security').expect(200);
      const id = /name="factor" value="totp">\s*<input type="hidden" name="id" value="(\d+)"/.exec(security.text)?.[1];
      const beforeRemove = site.mail.length;
      await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrfFrom(security.text), factor: 'totp', id }).expect(303);
      const [removed] = await mailsTo('mailme', beforeRemove);
      assertSecurityMail(removed, /^Authenticator app removed on Test LMS$/, /was removed from your account on Test LMS: Authenticator app\./);
    });

    it('mails when an administrator resets a factor, without the admin’s reason', async () => {
      await site.addUser('resetme');
      const browser = site.browser();
      await browser.login('resetme');
      await addAuthenticatorApp(site, browser);
      const start = site.mail.length;
      await site.mfa.admin.resetUserFactors({ userId: await userIdOf(site, 'resetme'), factor: 'totp', actor: 'siteadmin', reason: 'Ticket 99: phone lost' });
      const [reset] = await mailsTo('resetme', start);
      assert.ok(reset);
      assert.equal(reset.subject, 'An administrator reset your sign-in settings on Test LMS');
      assert.match(reset.text, /An administrator of Test LMS reset your authenticator app/);
      assert.match(reset.text, /If this wasn't you: you did not ask for it: contact your administrator now\./);
      assert.doesNotMatch(reset.text, /Ticket 99/);
    });

    it('mails when a TOTP code is used a second time', async () => {
      await site.addUser('replayed');
      const first = site.browser();
      await first.login('replayed');
      const secret = await addAuthenticatorApp(site, first);
      await first.logout();
      const browser = site.browser();
      await browser.login('replayed');
      const code = await codeFor(secret, site.clock.time);
      const page = await browser.agent.get('/mfa').expect(200);
      await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code }).expect(303);
      const start = site.mail.length;
      const thief = site.browser();
      await thief.login('replayed');
      const thiefPage = await thief.agent.get('/mfa').expect(200);
      await thief.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(thiefPage.text), factor: 'totp', code }).expect(401);
      const [reused] = await mailsTo('replayed', start);
      assertSecurityMail(reused, /^An authenticator code was used twice on Test LMS$/, /after it had already been used\. It was refused/);
      assert.doesNotMatch(reused!.text, new RegExp(code), 'never the code');
    });

    it('mails a pass from a new browser or network, but not the first ever pass nor a known one', async () => {
      await site.mfa.settings.set('trust_proxy', true, 'test');
      try {
        await site.addUser('traveller');
        const setup = site.browser();
        await setup.login('traveller');
        const secret = await addAuthenticatorApp(site, setup);
        await setup.logout();
        const signIn = async (headers: Record<string, string>) => {
          const browser = site.browser();
          // The agent keeps no headers: each request carries them.
          const form = await browser.agent.get('/login').set(headers);
          await browser.agent.post('/login').set(headers).type('form').send({ _csrf: csrfFrom(form.text), username: 'traveller', password: 'a long test password', returnTo: '' }).expect(303);
          const page = await browser.agent.get('/mfa').set(headers).expect(200);
          await browser.agent.post('/mfa').set(headers).type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
          site.clock.advance(30_000);
          await site.mfa.notifications.settled();
        };
        const start = site.mail.length;
        await signIn({ ...FIREFOX, 'X-Forwarded-For': '198.51.100.10' });
        assert.deepEqual(await mailsTo('traveller', start), [], 'the first pass has nothing to compare with');
        await signIn({ ...FIREFOX, 'X-Forwarded-For': '198.51.100.99' });
        assert.deepEqual(await mailsTo('traveller', start), [], 'same browser, same network: known');
        await signIn({ ...CHROME_ANDROID, 'X-Forwarded-For': '198.51.100.10' });
        const [newBrowser] = await mailsTo('traveller', start);
        assert.ok(newBrowser, 'a new browser is mailed');
        assert.equal(newBrowser.subject, 'New sign-in on Test LMS');
        assert.match(newBrowser.text, /From IP: 198\.51\.100\.10/);
        assert.match(newBrowser.text, /Browser: Chrome on Android/);
        assert.match(newBrowser.text, /If this wasn't you: someone has your password/);
        const afterBrowser = site.mail.length;
        await signIn({ ...FIREFOX, 'X-Forwarded-For': '203.0.113.5' });
        const [newNetwork] = await mailsTo('traveller', afterBrowser);
        assert.ok(newNetwork, 'a new network is mailed');
        assert.match(newNetwork.text, /From IP: 203\.0\.113\.5/);
        const known = await site.database.db('mfa_known_sign_ins').where({ user_id: await userIdOf(site, 'traveller') });
        assert.equal(known.length, 3);
        assert.ok(known.every((row: { sign_in_key: string }) => /^[0-9a-f]{64}$/.test(row.sign_in_key)), 'only keyed hashes are kept');
      } finally {
        await site.mfa.settings.set('trust_proxy', false, 'test');
      }
    });

    it('never fails a login or a change when the mail cannot be sent, and logs nothing secret', async () => {
      await site.addUser('nomail');
      const first = site.browser();
      await first.login('nomail');
      site.mailOutage.on = true;
      try {
        const secret = await addAuthenticatorApp(site, first);
        await first.logout();
        const browser = site.browser();
        assert.equal((await browser.login('nomail')).headers.location, '/mfa');
        assert.equal(await passWithCode(site, browser, secret), '/my');
        await site.mfa.notifications.settled();
        const lines = site.logs.filter((line) => line.includes('factor_added'));
        assert.equal(lines.length, 1, site.logs.join('\n'));
        assert.match(lines[0]!, /^mfa-bridge: security mail for factor_added \(user \d+\) not sent: Error EENVELOPE$/);
        assert.ok(site.logs.every((line) => !line.includes('@') && !line.includes(secret)), 'no address or secret in the log');
      } finally {
        site.mailOutage.on = false;
      }
    });
  });
}
