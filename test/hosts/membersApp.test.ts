/**
 * Issue 21: a stranger's app gains MFA from docs/add-to-your-app.md alone. The host is
 * test/hosts/members-app/, plain JavaScript: a members club on Express 5 and Passport 0.7
 * (passport-local, express-session's MemoryStore), its own `members` table keyed
 * `member_id` with scrypt hashes, its own serializeUser keeping `member_id`, a nodemailer
 * mailer. It calls only what the guide documents, imported as an installed app imports it
 * (`mfa-bridge/express`...), resolved through the package's `exports` to this checkout's
 * sources (sourcePackageHooks.mjs): packing and installing the package takes minutes, and
 * test/package/exampleHost.test.ts already pins the packed package.
 *
 * Every step runs in Chromium: set-up on the club's own pages (the QR code drawn, codes
 * mailed over real SMTP, recovery codes shown, a security key through the browser helper
 * with Chromium's virtual authenticator), then signing in with each, the recent-pass
 * guard, and require_setup.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtpSink.ts';
import { resolvePackageFromSources } from '../support/sourcePackage.ts';
import { codeFor } from '../support/totpDevice.ts';

const skip = chromiumMissing();
const PASSWORD = 'club-password-1';

interface MembersApp {
  origin: string;
  mfa: { settings: { set(name: string, value: unknown, actor: string): Promise<unknown>; snapshot(): Promise<{ integer(name: string): number; boolean(name: string): boolean }> } };
  close(): Promise<void>;
}

/** The plugin's clock, moved by the test (createMfaPlugin's `now`): real time plus a shift. */
const clock = { shift: 0, now: () => Date.now() + clock.shift };

/** The six-digit code on its own indented line of the newest mail to `to` after `since` mails, as the sink got it. */
async function mailedCode(smtp: SmtpSink, to: string, since: number): Promise<string> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    for (const raw of smtp.received.slice(since).reverse()) {
      if (!raw.includes(`To: ${to}`)) continue;
      const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      const code = /^ {4}(\d{6})\r?$/m.exec(text)?.[1];
      if (code) return code;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`no code was mailed to ${to}`);
}

/** Submits a form by clicking `selector` and waits for the page it loads. */
async function click(page: Page, selector: string): Promise<string> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  return new URL(page.url()).pathname;
}

async function alerts(page: Page): Promise<string> {
  return (await page.locator('[role="alert"]').allTextContents()).join(' | ');
}

for (const kind of databaseKinds) describe(`a members club’s Passport app (plain JavaScript, its own users and serialisation) with MFA from the guide (${kind})`, { skip: skip ?? false, timeout: 300_000 }, () => {
  let database: TestDatabase;
  let smtp: SmtpSink;
  let club: MembersApp;
  let browser: Browser;
  let addMember: (db: unknown, member: { handle: string; email: string; password: string; displayName: string }) => Promise<number>;

  before(async () => {
    database = await createTestDatabase(kind);
    smtp = await startSmtpSink();
    resolvePackageFromSources();
    // Plain JavaScript, as the club wrote it: imported by URL, since it has no types to check.
    const { startMembersApp } = (await import(new URL('./members-app/app.js', import.meta.url).href)) as { startMembersApp(options: Record<string, unknown>): Promise<MembersApp> };
    ({ addMember } = (await import(new URL('./members-app/members.js', import.meta.url).href)) as { addMember: typeof addMember });
    club = await startMembersApp({ db: database.db, secretKey: randomBytes(32), sessionSecret: randomBytes(24).toString('hex'), smtp: { host: '127.0.0.1', port: smtp.port }, now: clock.now });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await club?.close();
    await smtp?.stop();
    await database?.drop();
  });

  /** A new member (a name of its own, so no test leans on another's) and a browser of their own. */
  async function newMember(name: string): Promise<{ handle: string; email: string; memberId: number; context: BrowserContext; page: Page }> {
    const handle = `${name}-${randomBytes(3).toString('hex')}`;
    const email = `${handle}@club.example`;
    const memberId = await addMember(database.db, { handle, email, password: PASSWORD, displayName: `Member ${handle}` });
    const context = await browser.newContext();
    return { handle, email, memberId, context, page: await context.newPage() };
  }

  async function logIn(page: Page, handle: string): Promise<string> {
    await page.goto(`${club.origin}/login`);
    await page.fill('input[name="username"]', handle);
    await page.fill('input[name="password"]', PASSWORD);
    return click(page, 'form[action="/login"] button');
  }

  async function logOut(page: Page): Promise<string> {
    await page.goto(`${club.origin}/`);
    return click(page, 'form[action="/logout"] button');
  }

  /** The club's welcome page: the member its own deserializeUser found from the `member_id` its serializeUser kept. */
  async function assertWelcomed(page: Page, handle: string, memberId: number): Promise<void> {
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('h1').textContent(), `Welcome, Member ${handle}`);
    assert.equal(await page.locator('#member').textContent(), `member ${memberId}`);
  }

  /** Sets an authenticator app up on /account/mfa: the QR code and the key are shown; the key is returned. */
  async function setUpTotp(page: Page): Promise<string> {
    await page.goto(`${club.origin}/account/mfa`);
    assert.equal(await click(page, '#setup-totp button'), '/account/mfa/totp');
    assert.match((await page.locator('#qr').innerHTML()) ?? '', /^<svg[^>]*viewBox="0 0 \d+ \d+"/, 'the key as a QR code, drawn by qrCodeSvg');
    const secret = (await page.locator('#secret').textContent()) ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await page.fill('#confirm input[name="code"]', await codeFor(secret, clock.now()));
    assert.equal(await click(page, '#confirm button'), '/account/mfa');
    assert.match((await page.locator('#devices').textContent()) ?? '', /Authenticator app/);
    // The confirming code's time step is spent: the next sign-in is a step later.
    clock.shift += 30_000;
    return secret;
  }

  async function answerTotp(page: Page, secret: string): Promise<string> {
    await page.fill('#answer-totp input[name="code"]', await codeFor(secret, clock.now()));
    return click(page, '#answer-totp button');
  }

  async function openKeyedPage(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return { cdp, authenticatorId };
  }

  /**
   * Clicks a browser-helper button and waits for the page its form's submission (or a
   * refusal's `verifyUrl`) loads: the next navigation, not merely a matching URL (the page
   * may be on that path already).
   */
  async function useKey(page: Page, formId: string, landsOn: string): Promise<void> {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`#${formId} [data-start]`)]);
    const status = await page.locator(`#${formId} [data-status]`).textContent().catch(() => null);
    assert.equal(new URL(page.url()).pathname, landsOn, `the key's form led to ${landsOn} (${await alerts(page)}${status ?? ''})`);
  }

  it('sets an authenticator app up on its own page, then signs in with its code; the member the club serialised is the one logged in', async () => {
    const { handle, memberId, context, page } = await newMember('totp');
    try {
      assert.equal(await logIn(page, handle), '/', 'nothing set up yet: the password alone logs in');
      const secret = await setUpTotp(page);
      assert.equal(await logOut(page), '/login');
      assert.equal(await logIn(page, handle), '/login/mfa');
      await page.goto(`${club.origin}/`);
      assert.equal(new URL(page.url()).pathname, '/login', 'nobody is logged in until the second factor passes');
      await page.goto(`${club.origin}/login/mfa`);
      await page.fill('#answer-totp input[name="code"]', '000000');
      assert.equal(await click(page, '#answer-totp button'), '/login/mfa');
      assert.match(await alerts(page), /not right|does not match/i, 'a wrong code is refused with the plugin’s words');
      await answerTotp(page, secret);
      await assertWelcomed(page, handle, memberId);
    } finally {
      await context.close();
    }
  });

  it('turns email codes on with a code mailed over SMTP, then signs in by asking for a code first', async () => {
    const { handle, email, memberId, context, page } = await newMember('email');
    try {
      assert.equal(await logIn(page, handle), '/');
      await page.goto(`${club.origin}/account/mfa`);
      const before = smtp.received.length;
      assert.equal(await click(page, '#setup-email button'), '/account/mfa/email');
      assert.match((await page.locator('#sent').textContent()) ?? '', /We sent a code to \S+\*+@club\.example/);
      await page.fill('#confirm input[name="code"]', await mailedCode(smtp, email, before));
      assert.equal(await click(page, '#confirm button'), '/account/mfa');
      assert.match((await page.locator('#devices').textContent()) ?? '', /Email codes/);
      await logOut(page);

      assert.equal(await logIn(page, handle), '/login/mfa');
      const beforeLogin = smtp.received.length;
      assert.equal(await click(page, '#send-email button'), '/login/mfa');
      assert.match(await alerts(page), /sent/i, 'the page says where the code went');
      await page.fill('#answer-email input[name="code"]', await mailedCode(smtp, email, beforeLogin));
      await click(page, '#answer-email button');
      await assertWelcomed(page, handle, memberId);
    } finally {
      await context.close();
    }
  });

  it('shows recovery codes to keep, then signs in with one, which works once', async () => {
    const { handle, memberId, context, page } = await newMember('recovery');
    try {
      assert.equal(await logIn(page, handle), '/');
      await page.goto(`${club.origin}/account/mfa`);
      assert.equal(await click(page, '#setup-recovery_codes button'), '/account/mfa/recovery_codes');
      const codes = await page.locator('#codes code').allTextContents();
      assert.ok(codes.length >= 8, `a set of codes: ${codes.join(', ')}`);
      assert.equal(await click(page, '#confirm button'), '/account/mfa');
      await logOut(page);

      assert.equal(await logIn(page, handle), '/login/mfa');
      await page.fill('#answer-recovery_codes input[name="code"]', codes[0]!);
      await click(page, '#answer-recovery_codes button');
      await assertWelcomed(page, handle, memberId);
      await logOut(page);

      assert.equal(await logIn(page, handle), '/login/mfa');
      await page.fill('#answer-recovery_codes input[name="code"]', codes[0]!);
      assert.equal(await click(page, '#answer-recovery_codes button'), '/login/mfa', 'a used code is refused');
      assert.match(await alerts(page), /used|not right/i);
    } finally {
      await context.close();
    }
  });

  it('adds a security key with the browser helper, then signs in with it (virtual authenticator, RP ID localhost)', async () => {
    const { handle, memberId, context, page } = await newMember('key');
    try {
      const key = await openKeyedPage(context, page);
      assert.equal(await logIn(page, handle), '/');
      await page.goto(`${club.origin}/account/mfa`);
      await page.fill('#key-label', 'Blue key');
      await useKey(page, 'key-set-up', '/account/mfa');
      assert.match((await page.locator('#devices').textContent()) ?? '', /Blue key/);
      const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
      assert.equal(credentials.length, 1, 'the authenticator holds the new credential');
      assert.equal(credentials[0]!.rpId, 'localhost');
      await logOut(page);

      assert.equal(await logIn(page, handle), '/login/mfa');
      await useKey(page, 'key-sign-in', '/');
      await assertWelcomed(page, handle, memberId);
    } finally {
      await context.close();
    }
  });

  it('the recent-pass guard refuses a set-up once the pass is older than recent_pass_minutes, verifies again on the club’s own page (a new session id), and lets a fresh pass through', async () => {
    const { handle, memberId, context, page } = await newMember('recent');
    try {
      assert.equal(await logIn(page, handle), '/');
      const secret = await setUpTotp(page);
      await logOut(page);
      assert.equal(await logIn(page, handle), '/login/mfa');
      await answerTotp(page, secret);
      await assertWelcomed(page, handle, memberId);

      await page.goto(`${club.origin}/account/mfa`);
      assert.equal(await click(page, '#setup-recovery_codes button'), '/account/mfa/recovery_codes', 'a fresh pass: the set-up begins');

      const minutes = (await club.mfa.settings.snapshot()).integer('recent_pass_minutes');
      clock.shift += (minutes + 1) * 60_000;
      await page.goto(`${club.origin}/account/mfa`);
      assert.equal(await click(page, '#setup-recovery_codes button'), '/login/mfa', 'an old pass: sent to verify again, no set-up begun');
      assert.match(await alerts(page), new RegExp(`Verify it’s you again first.*last ${minutes} minutes`));
      await page.goto(`${club.origin}/`);
      await assertWelcomed(page, handle, memberId);

      // A page script's request (the browser helper asking for a key's options) is refused too, and sent to verify.
      await page.goto(`${club.origin}/account/mfa`);
      await useKey(page, 'key-set-up', '/login/mfa');

      const sessionId = async () => (await context.cookies()).find((c) => c.name === 'connect.sid')?.value;
      const before = await sessionId();
      assert.equal(await answerTotp(page, secret), '/account/mfa', 'verified again: back where the guard was met');
      assert.notEqual(await sessionId(), before, 'a new session id once verified again');
      assert.equal(await click(page, '#setup-recovery_codes button'), '/account/mfa/recovery_codes', 'the fresh pass lets the set-up through');
      assert.ok((await page.locator('#codes code').count()) >= 8);
    } finally {
      await context.close();
    }
  });

  it('require_setup: a member with nothing set up is sent to set-up, and setting up an authenticator app passes the login', async () => {
    const { handle, memberId, context, page } = await newMember('setup');
    await club.mfa.settings.set('require_setup', true, 'test');
    try {
      assert.equal(await logIn(page, handle), '/login/setup');
      await page.goto(`${club.origin}/`);
      assert.equal(new URL(page.url()).pathname, '/login', 'not logged in before a factor is set up');
      await page.goto(`${club.origin}/login/setup`);
      assert.equal(await click(page, '#setup-totp button'), '/login/setup/totp');
      const secret = (await page.locator('#secret').textContent()) ?? '';
      await page.fill('#confirm input[name="code"]', '000000');
      assert.equal(await click(page, '#confirm button'), '/login/setup', 'a wrong code: still setting up');
      assert.match(await alerts(page), /not right|does not match/i);
      assert.equal(await click(page, '#setup-totp button'), '/login/setup/totp');
      const again = (await page.locator('#secret').textContent()) ?? '';
      await page.fill('#confirm input[name="code"]', await codeFor(again, clock.now()));
      await click(page, '#confirm button');
      await assertWelcomed(page, handle, memberId);
      assert.notEqual(again, '', `a key was shown (${secret.length} characters the first time)`);
    } finally {
      await club.mfa.settings.set('require_setup', false, 'test');
      await context.close();
    }
  });

  it('require_setup: a security key set up with the browser helper passes the login', async () => {
    const { handle, memberId, context, page } = await newMember('setupkey');
    await club.mfa.settings.set('require_setup', true, 'test');
    try {
      await openKeyedPage(context, page);
      assert.equal(await logIn(page, handle), '/login/setup');
      await useKey(page, 'key-set-up', '/');
      await assertWelcomed(page, handle, memberId);
    } finally {
      await club.mfa.settings.set('require_setup', false, 'test');
      await context.close();
    }
  });
});
