import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page, Route } from 'playwright-core';
import { artifactPath, chromiumMissing, launchChromium } from '../support/chromium.ts';
import { startTestServer, type TestServer } from '../support/testSite.ts';

const skip = chromiumMissing();
const PASSWORD = 'webauthn-password-1';

/** A browser with Chromium's virtual authenticator attached (CDP WebAuthn domain): a real passkey, in software. */
interface KeyedBrowser {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** CDP speaks standard base64; WebAuthn JSON speaks base64url. */
function toBase64url(base64: string): string {
  return Buffer.from(base64, 'base64').toString('base64url');
}

async function openKeyedBrowser(browser: Browser): Promise<KeyedBrowser> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { context, page, cdp, authenticatorId };
}

async function credentialsOf(keyed: KeyedBrowser): Promise<VirtualCredential[]> {
  return (await keyed.cdp.send('WebAuthn.getCredentials', { authenticatorId: keyed.authenticatorId })).credentials as VirtualCredential[];
}

async function logIn(page: Page, origin: string, username: string): Promise<string> {
  await page.goto(`${origin}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/login"] button[type="submit"]')]);
  return new URL(page.url()).pathname;
}

async function logOut(page: Page): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/logout"] button')]);
}

/** Clicks a WebAuthn button and waits for the form the page script then submits to come back. */
async function useKey(page: Page, formId: 'webauthn-login' | 'webauthn-register'): Promise<void> {
  // The page script fetches options, asks the key, then submits the form: wait for the page that submit loads,
  // not just for the POST's response (the old document is still "loaded" then, and the next click would race it).
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().postData()?.includes('response=') === true),
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(`#${formId} [data-start]`),
  ]);
}

async function registerKey(keyed: KeyedBrowser, origin: string, label: string): Promise<void> {
  await keyed.page.goto(`${origin}/user/security`);
  await keyed.page.fill('#webauthn-label', label);
  await useKey(keyed.page, 'webauthn-register');
}

/** Rewrites the `response` field of the next form POST /mfa before it leaves the browser; returns the undo. */
async function rewriteNextAnswer(page: Page, rewrite: (response: Record<string, unknown>) => Record<string, unknown>): Promise<() => Promise<void>> {
  let done = false;
  const handler = async (route: Route) => {
    const request = route.request();
    if (done || request.method() !== 'POST') return route.fallback();
    done = true;
    const form = new URLSearchParams(request.postData() ?? '');
    form.set('response', JSON.stringify(rewrite(JSON.parse(form.get('response') ?? '{}') as Record<string, unknown>)));
    await route.fallback({ postData: form.toString() });
  };
  await page.route('**/mfa', handler);
  return () => page.unroute('**/mfa', handler);
}

async function alertText(page: Page): Promise<string> {
  return (await page.locator('#webauthn-error').textContent()) ?? '';
}

describe('WebAuthn in Chromium with a virtual authenticator', { skip: skip ?? false }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: KeyedBrowser;
  /** A genuine assertion Alice's key made for an earlier login. */
  let spentAnswer: Record<string, unknown> | undefined;

  before(async () => {
    server = await startTestServer();
    // The test site's host says http://localhost; the browser sees the port too. An admin sets the origin so.
    await server.mfa.settings.set('factor.webauthn.origin', server.origin, 'test');
    await server.addUser('alice', PASSWORD);
    await server.addUser('bob', PASSWORD);
    browser = await launchChromium();
    alice = await openKeyedBrowser(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a passkey from the security page, then passes MFA with it and lands on /my', async () => {
    const { page } = alice;
    assert.equal(await logIn(page, server.origin, 'alice'), '/my');
    await registerKey(alice, server.origin, 'Test passkey');
    assert.equal(new URL(page.url()).pathname, '/user/security');
    assert.match((await page.locator('.flash').textContent()) ?? '', /security key is registered/);
    assert.equal(await page.locator('input[id^="device-name-webauthn-"]').inputValue(), 'Test passkey');
    assert.equal((await credentialsOf(alice)).length, 1, 'the authenticator holds one credential');
    await page.screenshot({ path: artifactPath('security-page-webauthn.png'), fullPage: true });

    await logOut(page);
    assert.equal(await logIn(page, server.origin, 'alice'), '/mfa');
    assert.equal(await page.locator('input[name="code"]').count(), 0, 'no code box for a security key');
    assert.equal(await page.locator('#webauthn-login [data-start]').textContent(), 'Use your security key or passkey');
    const capture = async (route: Route) => {
      if (route.request().method() === 'POST') {
        spentAnswer = JSON.parse(new URLSearchParams(route.request().postData() ?? '').get('response') ?? '{}') as Record<string, unknown>;
      }
      await route.fallback();
    };
    await page.route('**/mfa', capture);
    await useKey(page, 'webauthn-login');
    await page.unroute('**/mfa', capture);
    assert.equal(new URL(page.url()).pathname, '/my');
  });

  it('refuses an answer whose signature was tampered with', async () => {
    const { page } = alice;
    await logOut(page);
    assert.equal(await logIn(page, server.origin, 'alice'), '/mfa');
    const undo = await rewriteNextAnswer(page, (answer) => {
      const response = answer.response as Record<string, string>;
      const signature = Buffer.from(response.signature ?? '', 'base64url');
      signature[10] = (signature[10] ?? 0) ^ 0x01;
      return { ...answer, response: { ...response, signature: signature.toString('base64url') } };
    });
    await useKey(page, 'webauthn-login');
    await undo();
    assert.equal(new URL(page.url()).pathname, '/mfa');
    assert.match(await alertText(page), /could not be verified/);
  });

  it('refuses an answer replayed from an earlier login', async () => {
    const { page } = alice;
    assert.ok(spentAnswer, 'the first test captured a genuine answer');
    assert.equal(new URL(page.url()).pathname, '/mfa');
    const undo = await rewriteNextAnswer(page, () => spentAnswer ?? {});
    await useKey(page, 'webauthn-login');
    await undo();
    assert.equal(new URL(page.url()).pathname, '/mfa');
    assert.match(await alertText(page), /expired or was already answered|could not be verified/);
  });

  it('refuses another user’s credential, even with a genuine signature over this login’s challenge', async () => {
    const bob = await openKeyedBrowser(browser);
    assert.equal(await logIn(bob.page, server.origin, 'bob'), '/my');
    await registerKey(bob, server.origin, 'Bob’s key');
    const [bobsCredential] = await credentialsOf(bob);
    assert.ok(bobsCredential, 'Bob registered a key');
    await bob.context.close();
    // Alice's authenticator now also holds Bob's key, and signs with it when asked for it.
    await alice.cdp.send('WebAuthn.addCredential', { authenticatorId: alice.authenticatorId, credential: bobsCredential });
    const bobsId = toBase64url(bobsCredential.credentialId);

    const { page } = alice;
    assert.equal(new URL(page.url()).pathname, '/mfa');
    let offered: string[] = [];
    await page.route('**/mfa/challenge', async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { options: { allowCredentials?: Array<{ id: string; type: string }> } };
      offered = (body.options.allowCredentials ?? []).map((c) => c.id);
      body.options.allowCredentials = [{ id: bobsId, type: 'public-key' }];
      await route.fulfill({ response: answer, json: body });
    });
    await useKey(page, 'webauthn-login');
    await page.unroute('**/mfa/challenge');
    assert.equal(offered.includes(bobsId), false, 'the server offered only Alice’s keys');
    assert.equal(offered.length, 1);
    assert.equal(new URL(page.url()).pathname, '/mfa');
    assert.match(await alertText(page), /not one registered to your account/);
  });
});
