import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generateTotpCode } from '../../plugin/factors/totp/index.ts';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';

const skip = chromiumMissing();

/** The code of the time step `offset` steps from now, waiting out the last two seconds of a step so the server sees the same step. */
async function currentCode(secret: string, offset = 0): Promise<string> {
  const intoStep = Date.now() % 30_000;
  if (intoStep > 28_000) await new Promise((resolve) => setTimeout(resolve, 30_000 - intoStep + 100));
  return generateTotpCode({ secret, now: Date.now() + offset * 30_000, algorithm: 'SHA1', digits: 6, period: 30 });
}

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/login"] button[type="submit"]')]);
}

describe('TOTP journey in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer();
    await server.addUser('journey', 'journey-password-1');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('enrols an authenticator app, then asks for its code at the next login and lands on the page first asked for', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/login`);
    await logIn(page, 'journey', 'journey-password-1');
    assert.equal(new URL(page.url()).pathname, '/my');

    await page.goto(`${server.origin}/user/security`);
    await page.fill('#totp-label', 'Test phone');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/user/security/totp/setup"] button')]);
    assert.ok(await page.locator('.qr svg').isVisible(), 'the QR code is on the page');
    const secret = ((await page.locator('[data-testid="setup-secret"]').textContent()) ?? '').replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/, '20-byte secret in base32');
    // Confirm with the previous step's code (inside the ±1 window), so the current step stays free for the login below.
    await page.fill('#setup-code', await currentCode(secret, -1));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/user/security/totp/confirm"] button')]);
    assert.equal(new URL(page.url()).pathname, '/user/security');
    assert.match(await page.content(), /Test phone/);
    await page.screenshot({ path: artifactPath('security-page-totp.png'), fullPage: true });

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/logout"] button')]);
    const sessionBefore = (await page.context().cookies()).find((c) => c.name === 'lms_session')?.value;

    await page.goto(`${server.origin}/my?from=journey`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await logIn(page, 'journey', 'journey-password-1');
    assert.equal(new URL(page.url()).pathname, '/mfa');
    const codeInput = page.locator('input[name="code"]');
    assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
    await page.screenshot({ path: artifactPath('second-factor-page.png'), fullPage: true });

    // A wrong code first: the page says so and keeps the user here.
    await codeInput.fill('000000');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/mfa"] button[type="submit"]')]);
    assert.match(await page.locator('[role="alert"]').textContent() ?? '', /not right/);

    await page.fill('input[name="code"]', await currentCode(secret));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/mfa"] button[type="submit"]')]);
    const landed = new URL(page.url());
    assert.equal(`${landed.pathname}${landed.search}`, '/my?from=journey');
    const sessionAfter = (await page.context().cookies()).find((c) => c.name === 'lms_session')?.value;
    assert.ok(sessionAfter && sessionAfter !== sessionBefore, 'the session id changed');
    await page.close();
  });
});
