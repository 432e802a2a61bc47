import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { TestClock } from '../support/testPlugin.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';

const skip = chromiumMissing();

/** Clicks what submits a form and waits for the page it navigates to (not the load state of the page it leaves). */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

describe('the security page in Chromium', { skip: skip ?? false }, () => {
  // The plugin's clock, so the test can step past recent_pass_minutes instead of waiting.
  const clock = new TestClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  before(async () => {
    server = await startTestServer({ clock });
    await server.addUser('ada', 'ada-password-1');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('adds an authenticator app, renames it, shows the activity, asks again after the window, and removes it', async () => {
    await page.goto(`${server.origin}/user/security`);
    await page.fill('input[name="username"]', 'ada');
    await page.fill('input[name="password"]', 'ada-password-1');
    await submit(page, 'form[action^="/login"] button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, '/user/security');

    // Add an authenticator app: the first factor needs no recent pass (there is nothing to verify with yet).
    await page.getByLabel('Name for this device').fill('Work phone');
    await submit(page, 'form[action="/user/security/totp/setup"] button[type="submit"]');
    const secret = ((await page.locator('[data-testid="setup-secret"]').textContent()) ?? '').replace(/\s+/g, '');
    await page.getByLabel('Enter the code the app now shows').fill(await codeFor(secret, clock.time));
    await submit(page, 'form[action="/user/security/totp/confirm"] button[type="submit"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /authenticator app is set up/);

    // Rename it.
    await page.getByLabel('Rename Work phone').click();
    await page.getByLabel('New name for Work phone').fill('Pixel 8');
    await submit(page, 'form[action="/user/security/devices/rename"] button[type="submit"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Renamed to “Pixel 8”/);
    assert.match((await page.locator('table').textContent()) ?? '', /Pixel 8\s*Authenticator app/);

    // Recent activity, newest first, with the advice.
    const activity = page.locator('section[aria-labelledby="activity-heading"]');
    const items = await activity.locator('li .what').allTextContents();
    assert.deepEqual(items.slice(0, 2), ['Authenticator app was renamed to “Pixel 8”', 'Authenticator app “Work phone” was added']);
    assert.match((await activity.textContent()) ?? '', /If you don’t recognise this activity, change your password, remove the factor, and contact your administrator\./);
    await page.screenshot({ path: artifactPath('security-page.png'), fullPage: true });

    // Past the window, removing asks for the second factor again.
    clock.advance(11 * 60_000);
    await page.reload();
    await submit(page, 'button[aria-label="Remove Pixel 8"]');
    assert.equal(await page.locator('h1').textContent(), 'Verify it’s you first');
    assert.match((await page.getByRole('alert').textContent()) ?? '', /last 10 minutes/);
    await page.screenshot({ path: artifactPath('security-page-verify-again.png'), fullPage: true });
    await submit(page, 'form[action="/user/security/confirm"] button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, '/mfa');
    await page.fill('input[name="code"]', await codeFor(secret, clock.time));
    await submit(page, 'form[action="/mfa"] button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, '/user/security', 'back where the user was');

    // Now the removal goes through.
    await submit(page, 'button[aria-label="Remove Pixel 8"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /removed from your account/);
    assert.match((await page.content()), /You have not set up a second factor yet/);
    assert.match((await activity.locator('li .what').first().textContent()) ?? '', /Authenticator app was removed/);
    await page.screenshot({ path: artifactPath('security-page-removed.png'), fullPage: true });
  });

  it('makes a token for a script, shows it once with Copy, and revokes it so it stops at once', async () => {
    await page.goto(`${server.origin}/user/security`);
    await submit(page, 'a[href="/user/security/tokens"]');
    await page.getByLabel('Token name').fill('Lab upload PC');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByLabel(/site:read/).check();
    await submit(page, 'form[action="/user/security/tokens"] button[type="submit"]');
    assert.equal(await page.locator('h1').textContent(), 'Your new token');
    const token = ((await page.locator('[data-testid="new-token"]').textContent()) ?? '').trim();
    assert.match(token, /^mbi_/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await page.click('#copy-codes');
    await page.waitForFunction(() => document.getElementById('copy-codes')?.textContent !== 'Copy', undefined, { timeout: 5000 });
    assert.equal(await page.locator('#copy-codes').textContent(), 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await page.screenshot({ path: artifactPath('identity-token-new.png'), fullPage: true });

    const me = () => fetch(`${server.origin}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await me()).status, 200, 'the token works without MFA');
    await submit(page, 'a:has-text("Done")');
    assert.doesNotMatch(await page.content(), new RegExp(token), 'never shown again');
    await page.screenshot({ path: artifactPath('identity-tokens-list.png'), fullPage: true });
    await submit(page, 'button[aria-label="Revoke Lab upload PC"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Token revoked/);
    assert.equal((await me()).status, 401, 'revoked: refused on the next request');
    await page.screenshot({ path: artifactPath('identity-tokens-revoked.png'), fullPage: true });
  });
});
