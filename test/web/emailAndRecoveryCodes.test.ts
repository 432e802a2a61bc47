import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';
import { userIdOf } from '../support/securityPageSteps.ts';

/** The six digits on their own indented line of the newest mail. */
function codeInLastMail(site: TestSite): string {
  const code = /^ {4}(\d{6})$/m.exec(site.mail.at(-1)?.text ?? '')?.[1];
  assert.ok(code, 'the newest mail shows a code');
  return code;
}

function recoveryCodesOn(page: string): string[] {
  return [...page.matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1] ?? '');
}

for (const kind of databaseKinds) {
  describe(`email codes and recovery codes on the web door, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    /** Turns email codes on from /user/security, as a person does, and logs out. */
    async function withEmailCodes(username: string): Promise<void> {
      await site.addUser(username);
      const browser = site.browser();
      await browser.login(username);
      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /Turn on email codes/);
      const setup = await browser.agent.post('/user/security/email/setup').type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
      assert.match(setup.text, new RegExp(`We sent a code to ${username[0]}\\*\\*\\*@example\\.test`));
      const wrong = await browser.agent.post('/user/security/email/confirm').type('form').send({ _csrf: csrfFrom(setup.text), code: '12' }).expect(400);
      assert.match(wrong.text, /6-digit code/);
      await browser.agent
        .post('/user/security/email/confirm')
        .type('form')
        .send({ _csrf: csrfFrom(wrong.text), code: codeInLastMail(site) })
        .expect(303)
        .expect('location', '/user/security');
      const after = await browser.agent.get('/user/security').expect(200);
      assert.match(after.text, /Email codes are on/);
      assert.match(after.text, /Email codes to \w\*\*\*@example\.test/);
      await browser.logout();
    }

    async function loggedInToMfa(username: string): Promise<{ browser: TestBrowser; page: string }> {
      const browser = site.browser();
      const login = await browser.login(username);
      assert.equal(login.headers.location, '/mfa');
      const page = await browser.agent.get('/mfa').expect(200);
      return { browser, page: page.text };
    }

    it('mails a code only after "Send me a code", says where it went, and passes with it', async () => {
      await withEmailCodes('emily');
      const mailBefore = site.mail.length;
      const { browser, page } = await loggedInToMfa('emily');
      assert.match(page, /<form method="post" action="\/mfa\/challenge"[^]*>Send me a code<\/button>/);
      assert.equal(site.mail.length, mailBefore, 'opening /mfa sent nothing');
      await browser.agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(page), factor: 'email' }).expect(303).expect('location', '/mfa?factor=email');
      assert.equal(site.mail.length, mailBefore + 1);
      const sent = await browser.agent.get('/mfa?factor=email').expect(200);
      assert.match(sent.text, /We sent a code to e\*\*\*@example\.test/);
      await browser.agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(sent.text), factor: 'email' }).expect(303);
      const throttled = await browser.agent.get('/mfa?factor=email').expect(200);
      assert.match(throttled.text, /ask for a new one in 60 seconds/);
      assert.equal(site.mail.length, mailBefore + 1, 'the early resend sent nothing');
      await browser.agent
        .post('/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(throttled.text), factor: 'email', code: codeInLastMail(site) })
        .expect(303)
        .expect('location', '/my');
      await browser.agent.get('/my').expect(200);
    });

    it('"This wasn\'t me": the link only asks, the button stops the login and says what to do', async () => {
      await withEmailCodes('notme');
      const { browser, page } = await loggedInToMfa('notme');
      await browser.agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(page), factor: 'email' }).expect(303);
      const link = /http:\/\/localhost(\/mfa\/not-me\?token=\S+)/.exec(site.mail.at(-1)?.text ?? '')?.[1];
      assert.ok(link, 'the mail has the link');
      const owner = supertest.agent(site.app);
      const ask = await owner.get(link).expect(200);
      assert.match(ask.text, /Stop that login/);
      // Opening the link (as a mail scanner would) stopped nothing.
      const stillPending = await browser.agent.get('/mfa').expect(200);
      assert.match(stillPending.text, /action="\/mfa\/challenge"/);
      const token = /name="token" value="([^"]+)"/.exec(ask.text)?.[1];
      const done = await owner.post('/mfa/not-me').type('form').send({ _csrf: csrfFrom(ask.text), token }).expect(200);
      assert.match(done.text, /We stopped that login/);
      assert.match(done.text, /signed your account out everywhere/);
      assert.match(done.text, /change your password/);
      assert.match(done.text, /not locked/);
      // The session that asked for the code is gone, not only its attempt: the login page, as for anyone.
      const stopped = await browser.agent.get('/mfa').expect(303);
      assert.match(String(stopped.headers.location), /^\/login/);
      assert.equal(await site.database.db('lms_sessions').where({ user_id: await userIdOf(site, 'notme') }).count({ n: '*' }).first().then((r) => Number(r?.n)), 0);
      await owner.post('/mfa/not-me').type('form').send({ _csrf: csrfFrom(ask.text), token }).expect(410);
    });

    it('generates recovery codes shown once, with download, and a login with one lands on the security page with the count', async () => {
      await site.addUser('rescue');
      const browser = site.browser();
      await browser.login('rescue');
      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /Generate recovery codes/);
      const shown = await browser.agent.post('/user/security/recovery-codes/setup').type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
      assert.equal(shown.headers['cache-control'], 'no-store');
      const codes = recoveryCodesOn(shown.text);
      assert.equal(codes.length, 10);
      const download = /download="recovery-codes\.txt" href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(shown.text)?.[1];
      assert.ok(download && decodeURIComponent(download).includes(codes[0] ?? '?'), 'the download link carries the codes');
      assert.doesNotMatch(shown.text, /https?:\/\/(?!localhost)/, 'no outside service');
      const setupId = /name="setupId" value="(\d+)"/.exec(shown.text)?.[1];
      await browser.agent
        .post('/user/security/recovery-codes/confirm')
        .type('form')
        .send({ _csrf: csrfFrom(shown.text), setupId })
        .expect(303)
        .expect('location', '/user/security');
      const listed = await browser.agent.get('/user/security').expect(200);
      assert.match(listed.text, /10 of 10 recovery codes left/);
      assert.doesNotMatch(listed.text, new RegExp(codes[0] ?? '?'), 'never shown again');
      await browser.logout();

      const { browser: again, page } = await loggedInToMfa('rescue');
      assert.match(page, /Recovery code/);
      assert.match(page, /inputmode="text"/);
      await again.agent
        .post('/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(page), factor: 'recovery_codes', code: codes[0] })
        .expect(303)
        .expect('location', '/user/security');
      const landed = await again.agent.get('/user/security').expect(200);
      assert.match(landed.text, /You logged in with a recovery code\. You have 9 recovery codes left/);
      assert.match(landed.text, /9 of 10 recovery codes left/);
    });
  });
}
