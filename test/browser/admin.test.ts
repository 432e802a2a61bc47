import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';

const skip = chromiumMissing();

/** Clicks what submits a form and waits for the page it navigates to (not the load state of the page it leaves). */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

describe('MFA administration in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  before(async () => {
    server = await startTestServer();
    await server.addUser('siteadmin', 'admin-password-1', true);
    await server.addUser('learner', 'learner-password-1');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${server.origin}/admin/mfa/settings`);
    await page.fill('input[name="username"]', 'siteadmin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await submit(page, 'form[action^="/login"] button[type="submit"]');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('changes the lockout threshold and turns a factor on from the settings page, and shows the saved values', async () => {
    assert.equal(new URL(page.url()).pathname, '/admin/mfa/settings', 'the login returns to the page asked for');
    await page.getByLabel('Lockout threshold').fill('4');
    await page.locator('#section-factor-ip_range').getByLabel('Enabled').check();
    await page.locator('#section-factor-ip_range').getByLabel('Trusted networks').fill('192.0.2.0/24');
    await submit(page, 'form[action="/admin/mfa/settings"] button[type="submit"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Saved 3 changes/);
    assert.equal(await page.getByLabel('Lockout threshold').inputValue(), '4');
    assert.equal(await page.locator('#section-factor-ip_range').getByLabel('Enabled').isChecked(), true);
    const settings = await server.mfa.settings.snapshot();
    assert.equal(settings.integer('lockout_threshold'), 4);
    assert.equal(settings.boolean('factor.ip_range.enabled'), true);
    await page.screenshot({ path: artifactPath('admin-settings.png'), fullPage: true });

    // A wrong value: the error is shown beside the field, focusable from the summary, and nothing is saved.
    await page.getByLabel('Lockout threshold').fill('0');
    await submit(page, 'form[action="/admin/mfa/settings"] button[type="submit"]');
    const field = page.getByLabel('Lockout threshold');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('#setting-lockout_threshold-error').textContent()) ?? '', /out of range/);
    assert.equal((await server.mfa.settings.snapshot()).integer('lockout_threshold'), 4);
  });

  it("resets a user's authenticator app with a reason from the users page", async () => {
    const user = (await server.mfa.admin.findUsers('learner'))[0];
    assert.ok(user);
    const setup = await server.mfa.enrolment.beginSetup(user, totpFactor, { label: 'Old phone' });
    await server.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, Date.now()) }, { actor: 'learner', ip: null });

    await page.goto(`${server.origin}/admin/mfa/users`);
    await page.getByLabel('Username or email').fill('learn');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=learn/);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('link', { name: 'learner' }).click()]);
    assert.match(await page.locator('table').first().textContent() ?? '', /Old phone\s*Authenticator app/);
    await page.getByLabel('Factor to reset').selectOption('totp');
    await page.getByLabel('Reason (kept in the audit log)').fill('Phone lost; identity checked by video call');
    await submit(page, 'form[action$="/reset"] button[type="submit"]');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Authenticator app reset for learner/);
    assert.match(await page.content(), /No factor is set up/);
    assert.match(await page.content(), /Reason: Phone lost; identity checked by video call/);
    assert.deepEqual(await server.mfa.enrolment.devices(user), []);
    await page.screenshot({ path: artifactPath('admin-user-reset.png'), fullPage: true });
  });
});
