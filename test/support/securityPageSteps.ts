import assert from 'node:assert/strict';
import { codeFor } from './totpDevice.ts';
import { csrfFrom, type TestBrowser, type TestSite, totpSecretFrom } from './testSite.ts';

/** Adds an authenticator app from /user/security as a person does; returns its secret. The confirming code's step is then spent. */
export async function addAuthenticatorApp(site: TestSite, browser: TestBrowser, label = 'My phone'): Promise<string> {
  const security = await browser.agent.get('/user/security').expect(200);
  const setupPage = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label }).expect(200);
  const secret = totpSecretFrom(setupPage.text);
  const setupId = /name="setupId" value="(\d+)"/.exec(setupPage.text)?.[1];
  await browser.agent
    .post('/user/security/totp/confirm')
    .type('form')
    .send({ _csrf: csrfFrom(setupPage.text), setupId, label, code: await codeFor(secret, site.clock.time) })
    .expect(303);
  site.clock.advance(30_000);
  return secret;
}

/** On /mfa, gives the current code; returns the redirect after the pass. */
export async function passWithCode(site: TestSite, browser: TestBrowser, secret: string): Promise<string> {
  const page = await browser.agent.get('/mfa').expect(200);
  const res = await browser.agent
    .post('/mfa')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) })
    .expect(303);
  site.clock.advance(30_000);
  return String(res.headers.location);
}

/** A user with an authenticator app, logged in and past MFA in a fresh browser. */
export async function loggedInWithApp(site: TestSite, username: string, label = 'My phone'): Promise<{ browser: TestBrowser; secret: string }> {
  await site.addUser(username);
  const first = site.browser();
  await first.login(username);
  const secret = await addAuthenticatorApp(site, first, label);
  await first.logout();
  const browser = site.browser();
  assert.equal((await browser.login(username)).headers.location, '/mfa');
  await passWithCode(site, browser, secret);
  return { browser, secret };
}

/** The user's id in the LMS tables. */
export async function userIdOf(site: TestSite, username: string): Promise<string> {
  const row = await site.database.db('lms_users').where({ username }).first('id');
  assert.ok(row, `${username} exists`);
  return String(row.id);
}
