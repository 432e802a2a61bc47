import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findUserByUsername } from '../../lms/users.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { addKeycloakUser, configureRealm, jwtClaims, KEYCLOAK_URL, keycloakMissing, startKeycloak, stopKeycloak, tokenEndpoint } from '../support/keycloak.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';

/**
 * Keycloak 26.7.3, from Maven Central, with the provider built from keycloak, asks
 * its users for mfa-bridge's second factor: in its browser login (driven by Chromium, on
 * Keycloak's own pages) and at its direct-grant token endpoint. The bridge client's users
 * are the LMS's, so what a person set up on the LMS guards Keycloak, and a wrong code at
 * either counts toward one lockout.
 */
const PASSWORD = 'Correct-Horse-9';
/** What the LMS's token door says, and so Keycloak's: clients match on these words. */
const MFA_REQUIRED = 'Multi-factor authentication is required for this service';
const LOCKOUT_THRESHOLD = 4;
const realm = `mfa-${randomBytes(4).toString('hex')}`;
const CLIENT_ID = 'lms-portal';

const skip = (await keycloakMissing()) ?? chromiumMissing() ?? undefined;

describe('a real Keycloak uses mfa-bridge\'s factors', { skip, timeout: 900_000 }, () => {
  let site: TestServer;
  let bridgeBase: string;
  let browser: Browser;
  let startedHere = false;

  before(async () => {
    site = await startTestServer();
    bridgeBase = site.origin.replace('localhost', '127.0.0.1');
    for (const [name, value] of Object.entries({ lockout_threshold: String(LOCKOUT_THRESHOLD), require_setup: 'true', mobile_app_mfa: 'true' })) {
      await site.mfa.settings.set(name, value, 'test');
    }
    const { secret } = await site.bridge.clients.add({ clientId: 'keycloak-ci', platform: 'keycloak', userSource: 'site', actor: 'test' });
    ({ startedHere } = await startKeycloak());
    await configureRealm({ realm, clientId: CLIENT_ID, redirectUri: `${site.origin}/*`, bridgeUrl: bridgeBase, bridgeClientId: 'keycloak-ci', bridgeClientSecret: secret });
    browser = await launchChromium();
  }, { timeout: 900_000 });

  after(async () => {
    await browser?.close();
    await site?.close();
    if (startedHere) await stopKeycloak();
  });

  /** A person in both: the LMS's user and Keycloak's, same username and email (one directory). */
  async function person(username: string): Promise<void> {
    await site.addUser(username, PASSWORD);
    await addKeycloakUser(realm, { username, email: `${username}@example.test`, password: PASSWORD });
  }

  /** The authenticator app set up on the LMS (confirmed with the previous step's code, so the current one is still unused). */
  async function withAppOnLms(username: string): Promise<string> {
    await person(username);
    const user = await findUserByUsername(site.database.db, username);
    assert.ok(user);
    const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, { label: 'Phone' });
    await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, Date.now() - 30_000) }, { actor: username, ip: null });
    return setup.secret;
  }

  const callback = () => `${site.origin}/keycloak-callback`;

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    // The relying party's redirect target: the app that asked Keycloak for the login, played by the test.
    await context.route(`${callback()}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>Back at the app.</p>' }));
    return context;
  }

  /** Keycloak's own login page: username and password, as a person types them. */
  async function passwordStep(page: Page, username: string): Promise<void> {
    const query = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: callback(), response_type: 'code', scope: 'openid', state: randomBytes(8).toString('hex') });
    await page.goto(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/auth?${query}`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('#kc-login');
  }

  async function typeCode(page: Page, code: string): Promise<void> {
    await page.fill('#mfa-bridge-code', code);
    await page.click('#mfa-bridge-submit');
  }

  /** Back at the app with an authorization code, traded for tokens as the app does. */
  async function tokensAfterRedirect(page: Page): Promise<Record<string, unknown>> {
    try {
      await page.waitForURL((url) => url.href.startsWith(callback()), { timeout: 30_000 });
    } catch (error) {
      await page.screenshot({ path: artifactPath('keycloak-no-redirect.png') });
      throw new Error(`no redirect back to the app; the page says: ${(await page.textContent('body'))?.replace(/\s+/g, ' ').slice(0, 400)}`, { cause: error });
    }
    const code = new URL(page.url()).searchParams.get('code');
    assert.ok(code, 'Keycloak sent an authorization code');
    const tokens = await tokenEndpoint(realm, { grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: callback() });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.access_token && tokens.body.id_token);
    return jwtClaims(tokens.body.id_token);
  }

  /** The LMS's own token door (the Moodle app's login/token.php) for the same person. */
  async function lmsTokenDoor(fields: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${bridgeBase}/login/token.php`, { method: 'POST', body: new URLSearchParams({ password: PASSWORD, service: 'moodle_mobile_app', ...fields }) });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

  it('browser: password, then the authenticator app set up on the LMS, then tokens; wrong codes there and at the LMS count toward one lockout', async () => {
    const secret = await withAppOnLms('ada');
    const context = await newContext();
    try {
      const page = await context.newPage();
      await passwordStep(page, 'ada');
      await page.waitForSelector('#mfa-bridge-code');
      assert.match(await page.textContent('#mfa-bridge-factor') ?? '', /Authenticator app/i);
      assert.match(await page.textContent('#mfa-bridge-tries-left') ?? '', new RegExp(`: ${LOCKOUT_THRESHOLD}$`));

      const code = await codeFor(secret, Date.now());
      await typeCode(page, wrongFor(code));
      await page.waitForSelector('#mfa-bridge-code');
      assert.match(await page.content(), new RegExp(`That code is not right. Tries left: ${LOCKOUT_THRESHOLD - 1}`));

      const atLms = await lmsTokenDoor({ username: 'ada' });
      assert.equal(atLms.errorcode, 'mfarequired');
      const wrongAtLms = await lmsTokenDoor({ username: 'ada', mfa_token: String(atLms.mfa_token), mfa_code: wrongFor(code) });
      assert.equal(wrongAtLms.errorcode, 'invalidmfacode');
      assert.equal(wrongAtLms.mfa_tries_left, LOCKOUT_THRESHOLD - 2, 'the wrong code typed on Keycloak\'s page counted at the LMS');
      const lmsBrowser = await browser.newContext();
      try {
        const lmsPage = await lmsBrowser.newPage();
        await lmsPage.goto(`${site.origin}/login`);
        await lmsPage.fill('input[name="username"]', 'ada');
        await lmsPage.fill('input[name="password"]', PASSWORD);
        await Promise.all([lmsPage.waitForURL((url) => url.pathname === '/mfa'), lmsPage.click('form[action^="/login"] button[type="submit"]')]);
        assert.match(await lmsPage.textContent('body') ?? '', new RegExp(`${LOCKOUT_THRESHOLD - 2} tries left before this way of verifying is locked`), 'and the LMS\'s own /mfa page says the same');
      } finally {
        await lmsBrowser.close();
      }

      await page.reload();
      await page.waitForSelector('#mfa-bridge-tries-left');
      assert.match(await page.textContent('#mfa-bridge-tries-left') ?? '', new RegExp(`: ${LOCKOUT_THRESHOLD - 2}$`), 'and the LMS\'s counts on Keycloak\'s page');

      await typeCode(page, await codeFor(secret, Date.now()));
      const claims = await tokensAfterRedirect(page);
      assert.equal(claims.preferred_username, 'ada');
      await page.screenshot({ path: artifactPath('keycloak-browser-login.png') });
    } finally {
      await context.close();
    }
    const audit = await site.database.db('mfa_audit_log').where({ actor: 'bridge:keycloak-ci' }).whereNotNull('user_id').select('user_id');
    const ada = await findUserByUsername(site.database.db, 'ada');
    assert.ok(audit.some((row) => row.user_id === ada?.id), 'Keycloak\'s calls are in the LMS user\'s audit');
  });

  it('browser: a code used once is refused the second time, with words that say so', async () => {
    const secret = await withAppOnLms('grace');
    const code = await codeFor(secret, Date.now());
    for (const round of ['first', 'second'] as const) {
      const context = await newContext();
      try {
        const page = await context.newPage();
        await passwordStep(page, 'grace');
        await page.waitForSelector('#mfa-bridge-code');
        await typeCode(page, code);
        if (round === 'first') {
          assert.equal((await tokensAfterRedirect(page)).preferred_username, 'grace');
        } else {
          await page.waitForSelector('#mfa-bridge-code');
          assert.match(await page.content(), /That code was used already\. Wait for the next code from your app/);
          assert.ok(!page.url().startsWith(callback()), 'no way back to the app with a replayed code');
        }
      } finally {
        await context.close();
      }
    }
  });

  it('browser: a user with nothing set up sets up an authenticator app on Keycloak\'s page (QR from the bridge), and it is theirs on the LMS too', async () => {
    await person('nina');
    const context = await newContext();
    try {
      const page = await context.newPage();
      await passwordStep(page, 'nina');
      await page.waitForSelector('#mfa-bridge-qr');
      assert.match(await page.getAttribute('#mfa-bridge-qr', 'src') ?? '', /^data:image\/svg\+xml/);
      const secret = (await page.textContent('#mfa-bridge-secret') ?? '').replace(/\s+/g, '');
      assert.match(secret, /^[A-Z2-7]{16,}$/);
      await typeCode(page, '000000' === (await codeFor(secret, Date.now())) ? '111111' : '000000');
      await page.waitForSelector('#mfa-bridge-qr');
      assert.match(await page.content(), /That code is not right/);
      await typeCode(page, await codeFor(secret, Date.now()));
      assert.equal((await tokensAfterRedirect(page)).preferred_username, 'nina');

      const atLms = await lmsTokenDoor({ username: 'nina' });
      assert.equal(atLms.errorcode, 'mfarequired', 'the app set up through Keycloak guards the LMS\'s door');
      assert.deepEqual(atLms.mfa_factors, ['totp']);
    } finally {
      await context.close();
    }
  });

  it('direct grant: no code → the exact invalid_grant message; a code → tokens; wrong codes until locked → refused, at the LMS too', async () => {
    const secret = await withAppOnLms('linus');
    const grant = (extra: Record<string, string> = {}) => tokenEndpoint(realm, { grant_type: 'password', client_id: CLIENT_ID, username: 'linus', password: PASSWORD, scope: 'openid', ...extra });

    const bare = await grant();
    assert.equal(bare.status, 401);
    assert.deepEqual({ error: bare.body.error, description: bare.body.error_description }, { error: 'invalid_grant', description: MFA_REQUIRED });
    assert.equal(bare.body.access_token, undefined);

    const code = await codeFor(secret, Date.now());
    const passed = await grant({ mfa_code: code });
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
    assert.equal(jwtClaims(String(passed.body.access_token)).preferred_username, 'linus');

    const replayed = await grant({ mfa_code: code });
    assert.equal(replayed.status, 401);
    assert.equal(replayed.body.error_description, `This multi-factor authentication code was used already: wait for the next one (${LOCKOUT_THRESHOLD - 1} tries left)`, 'a replay counts as a failed try, as at the LMS');

    for (let left = LOCKOUT_THRESHOLD - 2; left >= 0; left--) {
      const wrong = await grant({ mfa_code: wrongFor(await codeFor(secret, Date.now())), mfa_factor: 'totp' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_grant');
      if (left > 0) assert.equal(wrong.body.error_description, `Invalid multi-factor authentication code (${left} tries left)`);
      else assert.match(String(wrong.body.error_description), /locked after too many failed codes/, 'the try that locks says so');
    }
    const locked = await grant({ mfa_code: await codeFor(secret, Date.now() + 30_000) });
    assert.equal(locked.status, 401);
    assert.match(String(locked.body.error_description), /locked after too many failed codes/);
    assert.equal(locked.body.access_token, undefined, 'even the right code is not checked while locked');

    const atLms = await lmsTokenDoor({ username: 'linus' });
    assert.equal(atLms.token, undefined, 'no LMS token either: one lockout');
    assert.match(String(atLms.error), /locked/i);
  });

  it('direct grant as docs/keycloak.md sets it up: with the LMS\'s "Enable MFA for the mobile app" left off, the password alone is refused with invalid_grant and our sentence', async () => {
    const secret = await withAppOnLms('barbara');
    // The client was made as docs/keycloak.md's step 2 makes it (no --token-door): MFA required at the direct grant.
    await site.mfa.settings.set('mobile_app_mfa', 'false', 'test');
    try {
      const grant = (extra: Record<string, string> = {}) => tokenEndpoint(realm, { grant_type: 'password', client_id: CLIENT_ID, username: 'barbara', password: PASSWORD, scope: 'openid', ...extra });
      const bare = await grant();
      assert.equal(bare.status, 401, JSON.stringify(bare.body));
      assert.deepEqual({ error: bare.body.error, description: bare.body.error_description }, { error: 'invalid_grant', description: MFA_REQUIRED });
      assert.equal(bare.body.access_token, undefined, 'no token for the password alone');

      const withCode = await grant({ mfa_code: await codeFor(secret, Date.now()) });
      assert.equal(withCode.status, 200, JSON.stringify(withCode.body));
      assert.equal(jwtClaims(String(withCode.body.access_token)).preferred_username, 'barbara');

      const atLms = await lmsTokenDoor({ username: 'barbara' });
      assert.equal(typeof atLms.token, 'string', 'the toggle is off indeed: the LMS\'s own app door, which it governs, gives a token');
    } finally {
      await site.mfa.settings.set('mobile_app_mfa', 'true', 'test');
    }
  });

  it('refused by the bridge (another email than the LMS user of that name, or suspended on the LMS): a page that says to ask an administrator, and invalid_grant', async () => {
    await site.addUser('mallory', PASSWORD);
    await addKeycloakUser(realm, { username: 'mallory', email: 'mallory@elsewhere.test', password: PASSWORD });
    await withAppOnLms('sus');
    await site.database.db('lms_users').where({ username: 'sus' }).update({ suspended: true });
    for (const username of ['mallory', 'sus']) {
      const context = await newContext();
      try {
        const page = await context.newPage();
        const answered = page.waitForResponse((res) => res.url().includes('/login-actions/authenticate') && res.request().method() === 'POST');
        await passwordStep(page, username);
        assert.equal((await answered).status(), 403, username);
        await page.getByText('This account cannot finish signing in here. Ask your administrator.').waitFor({ timeout: 15_000 });
        assert.equal(await page.$('#mfa-bridge-code'), null);
      } finally {
        await context.close();
      }
      const grant = await tokenEndpoint(realm, { grant_type: 'password', client_id: CLIENT_ID, username, password: PASSWORD, mfa_code: '123456' });
      assert.equal(grant.status, 401);
      assert.deepEqual([grant.body.error, grant.body.error_description], ['invalid_grant', 'Multi-factor authentication refuses this account here: ask your administrator']);
    }
  });

  it('bridge stopped: Keycloak refuses the login with a readable page, and the direct grant with temporarily_unavailable', async () => {
    const secret = await withAppOnLms('edsger');
    const context = await newContext();
    await site.stopListening();
    try {
      const page = await context.newPage();
      const answered = page.waitForResponse((res) => res.url().includes('/login-actions/authenticate') && res.request().method() === 'POST');
      await passwordStep(page, 'edsger');
      assert.equal((await answered).status(), 503);
      const words = page.getByText('The second sign-in step is unavailable right now, so you cannot sign in');
      await words.waitFor({ timeout: 15_000 });
      assert.ok(await words.isVisible(), 'the reason is on the page, readable');
      assert.equal(await page.$('#mfa-bridge-code'), null);
      assert.ok(!page.url().startsWith(callback()));
      await page.screenshot({ path: artifactPath('keycloak-bridge-stopped.png') });

      const grant = await tokenEndpoint(realm, { grant_type: 'password', client_id: CLIENT_ID, username: 'edsger', password: PASSWORD, mfa_code: await codeFor(secret, Date.now()) });
      assert.equal(grant.status, 503);
      assert.equal(grant.body.error, 'temporarily_unavailable');
      assert.equal(grant.body.access_token, undefined);
    } finally {
      await context.close();
      await site.listenAgain();
    }
    const back = await tokenEndpoint(realm, { grant_type: 'password', client_id: CLIENT_ID, username: 'edsger', password: PASSWORD, mfa_code: await codeFor(secret, Date.now()) });
    assert.equal(back.status, 200, `once the bridge answers again, so does Keycloak: ${JSON.stringify(back.body)}`);
  });
});
