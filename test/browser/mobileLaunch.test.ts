import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateTotpCode } from '../../plugin/factors/totp/index.ts';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { decodeHandOff, launchPath, newPassport, SITE_INFO_CALL, siteHash } from '../support/mobileLaunchSteps.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';

const skip = chromiumMissing();
const PASSWORD = 'mobile-launch-password-1';

/** A phone-sized window, as the system browser or the app's embedded browser shows the sign-in. */
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** The code of the time step `offset` steps from now, waiting out the last two seconds of a step. */
async function currentCode(secret: string, offset = 0): Promise<string> {
  const intoStep = Date.now() % 30_000;
  if (intoStep > 28_000) await new Promise((resolve) => setTimeout(resolve, 30_000 - intoStep + 100));
  return generateTotpCode({ secret, now: Date.now() + offset * 30_000, algorithm: 'SHA1', digits: 6, period: 30 });
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * The last step before the hand-off: the page it loads starts a navigation to the app's scheme
 * as soon as it has loaded, which never finishes here (no app), so wait for that instead.
 */
async function submitToHandOff(page: Page, selector: string, handOff: Promise<string>): Promise<string> {
  await page.click(selector);
  const url = await handOff;
  await page.waitForLoadState('load');
  return url;
}

async function logIn(page: Page, username: string): Promise<void> {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await submit(page, 'form[action^="/login"] button[type="submit"]');
}

/**
 * Watches the page the way the app's embedded browser watches its navigations: resolves
 * with the first one to the app's scheme. Also collects console errors, where Chromium
 * says why it blocked a navigation (CSP form-action, "a user gesture is required").
 */
function watchHandOff(page: Page, scheme = 'moodlemobile'): { url: Promise<string>; seen: string[]; consoleErrors: string[] } {
  const consoleErrors: string[] = [];
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const url = new Promise<string>((resolve) => {
    page.on('request', (request) => {
      if (!request.url().startsWith(`${scheme}://`)) return;
      seen.push(request.url());
      resolve(request.url());
    });
  });
  return { url, seen, consoleErrors };
}

async function siteInfo(origin: string, token: string): Promise<{ username?: string; errorcode?: string }> {
  const answer = await fetch(`${origin}/webservice/rest/server.php`, { method: 'POST', body: new URLSearchParams({ ...SITE_INFO_CALL, wstoken: token }) });
  return (await answer.json()) as { username?: string; errorcode?: string };
}

/** What the app checks and does with the hand-off: the site hash for its URL and passport, then its first REST call. */
async function assertAppAccepts(server: TestServer, handOffUrl: string, passport: string, username: string): Promise<void> {
  const handOff = decodeHandOff(handOffUrl);
  assert.equal(handOff.siteHash, siteHash(server.origin, passport), 'md5(site URL + passport), as the app computes it');
  assert.equal(handOff.parts, 2, 'no private token over http');
  assert.equal((await siteInfo(server.origin, handOff.token)).username, username, 'the REST server accepts the token');
}

describe('Moodle app browser sign-in in Chromium (phone-sized)', { skip: skip ?? false }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer();
    await server.mfa.settings.set('mobile_app_login_type', 'browser', 'test');
    await server.mfa.settings.set('factor.webauthn.origin', server.origin, 'test');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('TOTP: launch.php → /login → /mfa → the page follows moodlemobile://token= on its own, and the app can use the token', async () => {
    await server.addUser('phoneuser', PASSWORD);
    const setup = await browser.newContext();
    const setupPage = await setup.newPage();
    await setupPage.goto(`${server.origin}/login`);
    await logIn(setupPage, 'phoneuser');
    await setupPage.goto(`${server.origin}/user/security`);
    await setupPage.fill('#totp-label', 'Phone');
    await submit(setupPage, 'form[action="/user/security/totp/setup"] button');
    const secret = ((await setupPage.locator('[data-testid="setup-secret"]').textContent()) ?? '').replace(/\s+/g, '');
    await setupPage.fill('#setup-code', await currentCode(secret, -1));
    await submit(setupPage, 'form[action="/user/security/totp/confirm"] button');
    await setup.close();

    const phone = await browser.newContext(PHONE);
    const page = await phone.newPage();
    const passport = newPassport();
    const watch = watchHandOff(page);
    await page.goto(`${server.origin}${launchPath(passport)}`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await logIn(page, 'phoneuser');
    assert.equal(new URL(page.url()).pathname, '/mfa');
    await page.screenshot({ path: artifactPath('mobile-launch-mfa.png'), fullPage: true });

    await page.fill('input[name="code"]', await currentCode(secret));
    const handOffUrl = await submitToHandOff(page, 'form[action="/mfa"] button[type="submit"]', watch.url);
    assert.equal(`${new URL(page.url()).pathname}${new URL(page.url()).search}`, launchPath(passport), 'the hand-off page is launch.php itself');
    await page.screenshot({ path: artifactPath('mobile-launch-hand-off.png'), fullPage: true });
    assert.equal(await page.locator('#launchapp').getAttribute('href'), handOffUrl, 'the visible link is the same hand-off');
    // After the form POST the script's navigation carries the user's gesture, and no CSP rule stands in its way.
    assert.deepEqual(watch.consoleErrors.filter((e) => /user gesture|Content Security Policy/.test(e)), []);
    await assertAppAccepts(server, handOffUrl, passport, 'phoneuser');
    await phone.close();
  });

  it('security key: launch.php → /login → /mfa with a passkey (virtual authenticator) → the same hand-off', async () => {
    await server.addUser('keyuser', PASSWORD);
    const phone: BrowserContext = await browser.newContext(PHONE);
    const page = await phone.newPage();
    const cdp = await phone.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await page.goto(`${server.origin}/login`);
    await logIn(page, 'keyuser');
    await page.goto(`${server.origin}/user/security`);
    await page.fill('#webauthn-label', 'Phone passkey');
    await submit(page, '#webauthn-register [data-start]');
    assert.match((await page.locator('.flash').textContent()) ?? '', /security key is registered/);
    await submit(page, 'form[action="/logout"] button');

    const passport = newPassport();
    const watch = watchHandOff(page);
    await page.goto(`${server.origin}${launchPath(passport)}`);
    await logIn(page, 'keyuser');
    assert.equal(new URL(page.url()).pathname, '/mfa');
    assert.equal(await page.locator('input[name="code"]').count(), 0, 'the key, not a code');
    await page.screenshot({ path: artifactPath('mobile-launch-mfa-webauthn.png'), fullPage: true });
    const handOffUrl = await submitToHandOff(page, '#webauthn-login [data-start]', watch.url);
    await assertAppAccepts(server, handOffUrl, passport, 'keyuser');
    assert.deepEqual(watch.consoleErrors.filter((e) => /user gesture|Content Security Policy/.test(e)), []);
    await phone.close();
  });

  it('an already signed-in browser opened at launch.php shows the question, and hands off only after "Open the app"', async () => {
    await server.addUser('signedin', PASSWORD);
    const phone = await browser.newContext(PHONE);
    const page = await phone.newPage();
    await page.goto(`${server.origin}/login`);
    await logIn(page, 'signedin');
    const passport = newPassport();
    const watch = watchHandOff(page);
    await page.goto(`${server.origin}${launchPath(passport)}`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Open the Test LMS app signed in as signedin\?/);
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    assert.deepEqual(watch.seen, [], 'nothing reaches the app before the user answers');
    assert.equal(await page.locator('#launchapp').count(), 0);
    await page.screenshot({ path: artifactPath('mobile-launch-confirm.png'), fullPage: true });
    const handOffUrl = await submitToHandOff(page, 'form[action="/admin/tool/mobile/launch.php"] button[type="submit"]', watch.url);
    await assertAppAccepts(server, handOffUrl, passport, 'signedin');
    assert.deepEqual(watch.consoleErrors.filter((e) => /user gesture|Content Security Policy/.test(e)), []);
    await phone.close();
  });
});
