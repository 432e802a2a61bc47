import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PushSetup } from '../../plugin/factors/push/index.ts';
import type { FactorContext } from '../../plugin/spi/factor.ts';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { overHttp, SoftPhone } from '../support/pushPhone.ts';
import { startPushServer } from '../support/pushSite.ts';
import type { TestClock } from '../support/testPlugin.ts';
import type { TestServer } from '../support/testSite.ts';

const skip = chromiumMissing();
const PASSWORD = 'push-password-1';
const PHONE_USER_AGENT = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const LAPTOP_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * Push approval as two people's devices see it: a laptop and a phone, two Chromium contexts
 * (separate cookies, storage and IndexedDB). The phone's page makes its key with WebCrypto,
 * keeps it in IndexedDB and signs every answer; the laptop's page moves on by itself.
 */
describe('push approval in Chromium: a laptop and a phone', { skip: skip ?? false }, () => {
  let server: TestServer;
  let clock: TestClock;
  let context: () => Promise<FactorContext>;
  let browser: Browser;
  let laptop: BrowserContext;
  let phone: BrowserContext;
  let phonePage: Page;

  before(async () => {
    ({ server, clock, context } = await startPushServer());
    await server.addUser('ada', PASSWORD);
    browser = await launchChromium();
    laptop = await browser.newContext({ userAgent: LAPTOP_USER_AGENT });
    phone = await browser.newContext({ userAgent: PHONE_USER_AGENT, viewport: { width: 390, height: 844 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function logIn(page: Page, username: string): Promise<void> {
    await page.goto(`${server.origin}/login`);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/login"] button[type="submit"]')]);
  }

  /** At /mfa: "Approve on my phone", then the number the page shows. */
  async function askPhone(page: Page): Promise<string> {
    assert.equal(new URL(page.url()).pathname, '/mfa');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Approve on my phone' }).click()]);
    const number = (await page.getByTestId('match-number').textContent())?.trim() ?? '';
    assert.match(number, /^[1-9][0-9]$/);
    return number;
  }

  /** The code the phone's page shows once it opened a pairing link. */
  async function phoneCode(phoneSide: Page): Promise<string> {
    const shown = phoneSide.getByTestId('push-pair-code');
    await shown.waitFor({ timeout: 30_000 });
    const code = (await shown.textContent())?.trim() ?? '';
    assert.match(code, /^[0-9]{3} [0-9]{3}$/);
    return code;
  }

  /** On the laptop: the waiting step moves on by itself to "the code shown on the phone"; type it and confirm. */
  async function typePhoneCode(laptopPage: Page, code: string): Promise<void> {
    await laptopPage.waitForURL((url) => url.pathname === '/user/security/push/setup/step', { timeout: 30_000 });
    await laptopPage.fill('#setup-code', code);
    await Promise.all([laptopPage.waitForNavigation({ waitUntil: 'load' }), laptopPage.click('form[action="/user/security/push/confirm"] button[type="submit"]')]);
  }

  async function phoneRequest(): Promise<ReturnType<Page['getByTestId']>> {
    const request = phonePage.getByTestId('push-request');
    await request.first().waitFor({ timeout: 30_000 });
    return request.first();
  }

  it('pairs the phone from the security page by opening the QR code’s link on it', async () => {
    const page = await laptop.newPage();
    await logIn(page, 'ada');
    assert.equal(new URL(page.url()).pathname, '/my');
    await page.goto(`${server.origin}/user/security`);
    await page.fill('#push-label', 'Ada’s Pixel');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/user/security/push/setup"] button')]);
    assert.ok(await page.locator('.qr svg').isVisible(), 'the QR code is drawn on the page');
    const link = /Open this link on the phone instead: ([^\s<]+)/.exec((await page.content()).replaceAll('&amp;', '&'))?.[1] ?? '';
    assert.match(link, new RegExp(`^${server.origin}/push/device\\?pair=`));
    await page.screenshot({ path: artifactPath('push-pairing-step.png'), fullPage: true });

    phonePage = await phone.newPage();
    await phonePage.goto(link);
    assert.equal(new URL(phonePage.url()).search, '', 'the one-time code leaves the address bar at once');
    assert.equal(await phonePage.getByTestId('push-pair-name').inputValue(), 'My Android phone');
    await phonePage.getByTestId('push-pair-name').fill('Ada’s Pixel');
    await phonePage.getByTestId('push-pair-button').click();
    // Paired; the phone waits for the computer's page to confirm it.
    await phonePage.getByTestId('push-status').filter({ hasText: /on your computer/ }).waitFor();
    assert.equal(await phonePage.evaluate(() => document.querySelector('link[rel="manifest"]')?.getAttribute('href')), '/mfa/assets/push/device.webmanifest');
    const code = await phoneCode(phonePage);
    await phonePage.screenshot({ path: artifactPath('push-phone-code.png') });

    // The laptop's page moves on by itself to ask for that code; the owner types it.
    await typePhoneCode(page, code);
    await page.waitForURL(`${server.origin}/user/security`, { timeout: 30_000 });
    assert.match(await page.content(), /Your phone is paired/);
    assert.match(await page.content(), /Ada’s Pixel/);
    await phonePage.getByText('No login is waiting for your approval').waitFor({ timeout: 30_000 });
    await phonePage.screenshot({ path: artifactPath('push-phone-paired.png') });
    await page.close();
  });

  it('approves a login with the right number: the phone shows where it comes from, the laptop moves on by itself', async () => {
    const page = await laptop.newPage();
    await logIn(page, 'ada');
    const number = await askPhone(page);
    const request = await phoneRequest();
    const shown = await request.innerText();
    assert.match(shown, /Log in to /);
    assert.match(shown, /From 127\.0\.0\.1 \(network 127\.0\.0\.0\/24\)/);
    assert.match(shown, /Browser: Chrome on Linux/);
    const choices = await request.getByTestId('push-number').allTextContents();
    assert.equal(choices.length, 3);
    assert.ok(choices.includes(number), 'the right number is among the three');
    await phonePage.screenshot({ path: artifactPath('push-phone-request.png') });
    await request.getByRole('button', { name: `Pick ${number}` }).click();
    await phonePage.getByText('Approved. The login continues on the computer.').waitFor();
    await page.waitForURL(`${server.origin}/my`, { timeout: 30_000 });
    await page.close();
  });

  it('a wrong number does not approve: the phone says so, the laptop offers a new request, which then works', async () => {
    const page = await laptop.newPage();
    await logIn(page, 'ada');
    const number = await askPhone(page);
    const request = await phoneRequest();
    const wrong = (await request.getByTestId('push-number').allTextContents()).find((choice) => choice !== number) ?? '';
    await request.getByRole('button', { name: `Pick ${wrong}` }).click();
    await phonePage.getByText('That was not the number on the login page').waitFor();
    const again = page.getByTestId('push-send-again');
    await again.waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('push-waiting').innerText(), /was not the one shown here/);
    assert.equal(new URL(page.url()).pathname, '/mfa', 'the laptop did not move on');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), again.click()]);
    const next = (await page.getByTestId('match-number').textContent())?.trim() ?? '';
    const fresh = phonePage.getByTestId('push-request').filter({ has: phonePage.getByRole('button', { name: `Pick ${next}` }) });
    await fresh.first().waitFor({ timeout: 30_000 });
    await fresh.first().getByRole('button', { name: `Pick ${next}` }).click();
    await page.waitForURL(`${server.origin}/my`, { timeout: 30_000 });
    await page.close();
  });

  it('Deny stops the login: the phone says what to do, the laptop is sent back to the login page', async () => {
    const page = await laptop.newPage();
    await logIn(page, 'ada');
    await askPhone(page);
    const request = await phoneRequest();
    await request.getByTestId('push-deny').click();
    await phonePage.getByText('Denied. We stopped that login').waitFor();
    await page.waitForURL(/\/login\?notice=(expired|refused)/, { timeout: 30_000 });
    const [report] = await server.mfa.audit.recent({ event: 'not_me_reported' });
    assert.equal(report?.factor, 'push');
    await page.close();
  });

  it('an expired request leaves the phone’s list, and the laptop offers a new one', async () => {
    const page = await laptop.newPage();
    await logIn(page, 'ada');
    await askPhone(page);
    await phoneRequest();
    clock.advance(121_000);
    await phonePage.getByText('No login is waiting for your approval').waitFor({ timeout: 30_000 });
    await page.getByTestId('push-send-again').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('push-waiting').innerText(), /expired/);
    await page.close();
  });

  it('refuses a new request past the hourly cap, and says how long to wait (push bombing)', async () => {
    await server.addUser('bombed', PASSWORD);
    const user = await server.mfa.registry.host.findUserByUsername('bombed');
    assert.ok(user);
    const setup = (await server.mfa.enrolment.beginSetup(user, 'push', {})) as PushSetup;
    const soft = new SoftPhone();
    assert.equal((await soft.pair(await context(), setup.pairingUrl ?? '')).status, 200);
    await server.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: soft.pairingCode }, { actor: 'bombed', ip: null });
    await server.mfa.settings.set('factor.push.max_pushes_per_hour', 1, 'test');
    try {
      const first = await laptop.newPage();
      await logIn(first, 'bombed');
      await askPhone(first);
      await first.close();
      const second = await (await browser.newContext({ userAgent: LAPTOP_USER_AGENT })).newPage();
      await logIn(second, 'bombed');
      await Promise.all([second.waitForNavigation({ waitUntil: 'load' }), second.getByRole('button', { name: 'Approve on my phone' }).click()]);
      assert.match(await second.content(), /Too many requests were sent to your phone in the last hour\. Try again in \d+ minutes?/);
      assert.equal(await second.getByTestId('match-number').count(), 0, 'no number: nothing was sent');
      await second.close();
    } finally {
      await server.mfa.settings.set('factor.push.max_pushes_per_hour', 10, 'test');
    }
  });

  it('does not pair an attacker’s phone that opens the link first: the laptop asks for the code that phone shows, refuses a wrong one, and only the owner’s phone, paired with its code, approves the owner’s next login (issue 20 item 3)', async () => {
    await server.addUser('owner', PASSWORD);
    const ownerLaptop = await browser.newContext({ userAgent: LAPTOP_USER_AGENT });
    const ownerPhone = await browser.newContext({ userAgent: PHONE_USER_AGENT, viewport: { width: 390, height: 844 } });
    const nextLogin = await browser.newContext({ userAgent: LAPTOP_USER_AGENT });
    try {
      const page = await ownerLaptop.newPage();
      await logIn(page, 'owner');
      await page.goto(`${server.origin}/user/security`);
      await page.fill('#push-label', 'My phone');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/user/security/push/setup"] button')]);
      const pairingLink = async () => /Open this link on the phone instead: ([^\s<]+)/.exec((await page.content()).replaceAll('&amp;', '&'))?.[1] ?? '';
      const stolen = await pairingLink();

      // Someone who saw the QR code opens its link first, on their own phone, naming it as the owner would.
      const attacker = new SoftPhone('My phone');
      assert.equal((await attacker.pair(overHttp(server.origin), stolen)).status, 200);
      const owner = await server.mfa.registry.host.findUserByUsername('owner');
      assert.ok(owner);
      const pushDevices = async () => (await server.mfa.enrolment.devices(owner)).filter((d) => d.factor === 'push');

      // The laptop's page moves on, but to ask for the code shown on that phone; it confirms nothing by itself.
      await page.waitForURL((url) => url.pathname !== '/user/security/push/setup', { timeout: 30_000 });
      assert.equal(new URL(page.url()).pathname, '/user/security/push/setup/step', 'the page did not confirm the phone by itself');
      assert.match(await page.locator('main').innerText(), /“My phone” \(Chrome on Android/);
      assert.ok(await page.locator('#setup-code').isVisible());
      await page.screenshot({ path: artifactPath('push-pairing-code-step.png'), fullPage: true });
      await page.waitForTimeout(4500); // two of the waiting page's polls: nothing is posted while the owner does not type
      assert.equal(new URL(page.url()).pathname, '/user/security/push/setup/step');
      assert.deepEqual(await pushDevices(), [], 'the owner has no paired phone until the code is typed');

      // The owner's own phone shows no code (its link was used), so the owner cannot type the attacker's; a guess is refused.
      const guess = attacker.pairingCode === '123456' ? '654 321' : '123 456';
      await page.fill('#setup-code', guess);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/user/security/push/confirm"] button[type="submit"]')]);
      assert.match(await page.locator('main').innerText(), /That code is not right\. 2 tries left\./);
      assert.deepEqual(await pushDevices(), []);
      assert.equal((await attacker.read(overHttp(server.origin))).json.error, 'not_confirmed', 'the attacker’s phone reads no login');

      // "Show a new code": the attacker's pairing goes; the owner's phone opens the new link and shows its code.
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Show a new code' }).click()]);
      const mine = await ownerPhone.newPage();
      await mine.goto(await pairingLink());
      await mine.getByTestId('push-pair-name').fill('My phone');
      await mine.getByTestId('push-pair-button').click();
      await typePhoneCode(page, await phoneCode(mine));
      assert.equal(new URL(page.url()).pathname, '/user/security');
      assert.match(await page.content(), /Your phone is paired/);
      assert.equal((await pushDevices()).length, 1);
      assert.equal((await attacker.read(overHttp(server.origin))).json.error, 'not_paired');
      await mine.getByText('No login is waiting for your approval').waitFor({ timeout: 30_000 });
      await page.close();

      // The owner's next login: the attacker's phone cannot answer it; the owner's phone approves it.
      const login = await nextLogin.newPage();
      await logIn(login, 'owner');
      const number = await askPhone(login);
      const request = mine.getByTestId('push-request');
      await request.first().waitFor({ timeout: 30_000 });
      const rows = await server.database.db('mfa_attempt_factors').where({ factor: 'push' }).whereNotNull('data').select('attempt_id', 'data');
      const open = rows.map((row) => ({ attemptId: String(row.attempt_id), push: JSON.parse(String(row.data)).push })).find((row) => row.push?.userId === owner.id && row.push.status === 'open');
      assert.ok(open, 'the owner’s login has an open request');
      const forged = await attacker.answer(overHttp(server.origin), { attemptId: open.attemptId, pushId: open.push.id }, 'approve', number);
      assert.equal(forged.status, 403);
      assert.equal(forged.json.error, 'not_paired');
      await request.first().getByRole('button', { name: `Pick ${number}` }).click();
      await login.waitForURL(`${server.origin}/my`, { timeout: 30_000 });
    } finally {
      await Promise.all([ownerLaptop.close(), ownerPhone.close(), nextLogin.close()]);
    }
  });
});
