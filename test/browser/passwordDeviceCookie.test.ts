import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import supertest from 'supertest';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { csrfFrom, startTestServer, type TestServer } from '../support/testSite.ts';

const skip = chromiumMissing();

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/login"] button[type="submit"]')]);
}

/**
 * The device cookie in a real browser: Chromium keeps what the login sets (SameSite=Strict,
 * Path=/login) and sends it back with the login form, so the guesses of another client
 * at its own address (both come from 127.0.0.1: one NAT) do not hold it back.
 */
describe('password device cookie in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer();
    await server.addUser('chromium-owner', 'chromium-password-1');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in at once after another client at its address used up the free tries', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/login`);
    await logIn(page, 'chromium-owner', 'chromium-password-1');
    assert.equal(new URL(page.url()).pathname, '/my');
    const device = (await page.context().cookies()).find((c) => c.name.startsWith('mfa_password_device_'));
    assert.ok(device, 'the browser kept the device cookie');
    assert.deepEqual([device.path, device.httpOnly, device.sameSite], ['/login', true, 'Strict']);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/logout"] button')]);

    const attacker = supertest.agent(server.origin.replace('localhost', '127.0.0.1'));
    const csrf = csrfFrom((await attacker.get('/login')).text);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attacker.post('/login').type('form').send({ _csrf: csrf, username: 'chromium-owner', password: `guess ${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);

    await page.goto(`${server.origin}/login`);
    await logIn(page, 'chromium-owner', 'chromium-password-1');
    assert.equal(new URL(page.url()).pathname, '/my', 'the owner’s browser is not held back');
    await page.close();
  });
});
