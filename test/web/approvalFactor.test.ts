import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { builtInFactors } from '../../plugin/createMfaPlugin.ts';
import { approveOnDevice, eventStreamsClosed } from '../factors/approveOnDevice/approveOnDeviceFactor.ts';
import { assertMoodleError, MoodleAppClient } from '../support/moodleApp.ts';
import { userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, type TestBrowser, type TestSite } from '../support/testSite.ts';

/**
 * The web door's machinery for a factor approved on another device (push), driven by a
 * factor defined here in test/: its prompt kind 'approval', POST /mfa/challenge, the status
 * endpoint and its SSE stream, its own routes (public JSON without CSRF, pages with a
 * manifest, SSE), its assets, and a set-up step that waits. It declares its own settings,
 * as any drop-in factor does.
 */
const ID = 'testphone';
const device = approveOnDevice(ID);
const BASE = '/test-testphone';

describe('a factor approved on another device, through the generic web door (sqlite)', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite', { factors: [...builtInFactors, device.factory] });
  });
  after(() => site.close());

  /** Pairs the user's phone from /user/security, as the set-up page and the phone do. */
  async function paired(username: string): Promise<TestBrowser> {
    await site.addUser(username);
    const browser = site.browser();
    await browser.login(username);
    const security = await browser.agent.get('/user/security').expect(200);
    assert.match(security.text, /Pair a test phone/);
    const step = await browser.agent.post(`/user/security/${ID}/setup`).type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
    assert.equal(step.headers['cache-control'], 'no-store');
    assert.match(step.text, /Waiting for your phone…/);
    assert.match(step.text, /<script src="\/mfa\/assets\/setupWait\.js" defer>/);
    assert.match(step.text, /<div class="qr" role="img" aria-label="QR code to pair your phone"><svg/);
    const setupId = /name="setupId" value="([^"]+)"/.exec(step.text)?.[1] ?? '';
    const code = /data-testid="match-number">(\d+)</.exec(step.text)?.[1] ?? '';
    const statusUrl = /data-status-url="([^"]+)"/.exec(step.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
    assert.deepEqual((await browser.agent.get(statusUrl).set('Accept', 'application/json').expect(200)).body, { state: 'waiting' });
    // Confirming before the phone paired keeps the step, says why, and adds nothing.
    const early = await browser.agent.post(`/user/security/${ID}/confirm`).type('form').send({ _csrf: csrfFrom(security.text), setupId }).expect(400);
    assert.match(early.text, /Pair your phone first/);
    // The phone is no browser session: its signed JSON needs no CSRF token, a form post does.
    await browser.agent.post(`${BASE}/pair`).type('form').send({ setupId, code }).expect(403);
    await browser.agent.post(`${BASE}/pair`).send({ setupId, code }).expect(200, { paired: true });
    assert.deepEqual((await browser.agent.get(statusUrl).set('Accept', 'application/json').expect(200)).body, { state: 'ready' });
    // Where the waiting page goes then: the step as it stands, for the user to finish (the page posts nothing itself).
    const stepUrl = /data-step-url="([^"]+)"/.exec(step.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
    assert.equal(stepUrl, `/user/security/${ID}/setup/step?setupId=${setupId}`);
    const finish = await browser.agent.get(stepUrl).expect(200);
    assert.match(finish.text, new RegExp(`<form method="post" action="/user/security/${ID}/confirm"`));
    assert.match(finish.text, /<button type="submit">Finish<\/button>/);
    await browser.agent.post(`/user/security/${ID}/confirm`).type('form').send({ _csrf: csrfFrom(security.text), setupId }).expect(303).expect('location', '/user/security');
    const listed = await browser.agent.get('/user/security').expect(200);
    assert.match(listed.text, /Your test phone is paired\./);
    assert.match(listed.text, /<td>Test phone<\/td><td>Test phone<\/td>/);
    await browser.logout();
    return browser;
  }

  async function atApprovalPrompt(username: string): Promise<{ browser: TestBrowser; csrf: string }> {
    const browser = site.browser();
    assert.equal((await browser.login(username, '/my?tab=1')).headers.location, '/mfa');
    const page = await browser.agent.get('/mfa').expect(200);
    assert.match(page.text, /<button type="submit" aria-describedby="testphone-hint">Approve on my test phone<\/button>/);
    const csrf = csrfFrom(page.text);
    await browser.agent.post('/mfa/challenge').type('form').send({ _csrf: csrf, factor: ID }).expect(303).expect('location', `/mfa?factor=${ID}`);
    return { browser, csrf };
  }

  it('pairs a phone, then logs in by approving the number shown: nothing counted while waiting, a new session after', async () => {
    await paired('approver');
    const userId = await userIdOf(site, 'approver');
    const { browser, csrf } = await atApprovalPrompt('approver');
    const waiting = await browser.agent.get(`/mfa?factor=${ID}`).expect(200);
    const request = device.openRequest(userId);
    assert.ok(request, 'the phone has a request');
    assert.match(waiting.text, new RegExp(`data-testid="match-number">${request.number}<`));
    assert.match(waiting.text, /id="approval-wait" data-status-url="\/mfa\/status\?factor=testphone" data-events-url="\/mfa\/status\/events\?factor=testphone"/);
    assert.match(waiting.text, /<script src="\/mfa\/assets\/approvalWait\.js" defer>/);
    assert.deepEqual((await browser.agent.get(`/mfa/status?factor=${ID}`).expect(200)).body, { outcome: 'pending' });

    await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: ID }).expect(409);
    await browser.agent.post(`${BASE}/answer`).send({ request: request.id, number: 'wrong' }).expect(200, { answer: 'waiting' });
    const failures = await site.database.db('mfa_factor_failures').where({ user_id: userId }).sum({ n: 'failures' }).first();
    assert.equal(Number(failures?.n ?? 0), 0, 'waiting is no wrong answer');

    await browser.agent.post(`${BASE}/answer`).send({ request: request.id, number: request.number }).expect(200, { answer: 'approved' });
    assert.deepEqual((await browser.agent.get(`/mfa/status?factor=${ID}`).expect(200)).body, { outcome: 'approved' });
    const stream = await browser.agent.get(`/mfa/status/events?factor=${ID}`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => done(null, text));
    }).expect(200);
    assert.match(stream.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(stream.body, 'event: status\ndata: {"outcome":"approved"}\n\n', 'one event, then the stream ends');

    const before = browser.sessionCookie();
    const passed = await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: ID }).expect(303).expect('location', '/my?tab=1');
    assert.ok(sessionCookieSetBy(passed) && sessionCookieSetBy(passed) !== before, 'a new session id');
    await browser.agent.get('/my').expect(200);
    assert.deepEqual((await browser.agent.get(`/mfa/status?factor=${ID}`).expect(200)).body, { outcome: 'passed', next: '/my' });
  });

  it('sends the page back to the login when the phone denies', async () => {
    await paired('denier');
    const { browser, csrf } = await atApprovalPrompt('denier');
    const request = device.openRequest(await userIdOf(site, 'denier'));
    await browser.agent.post(`${BASE}/answer`).send({ request: request?.id, deny: true }).expect(200, { answer: 'denied' });
    assert.deepEqual((await browser.agent.get(`/mfa/status?factor=${ID}`).expect(200)).body, { outcome: 'failed', next: '/login?notice=refused' });
    await browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: ID }).expect(303).expect('location', '/login?notice=refused');
    await browser.agent.get('/my').expect(303);
  });

  it('refuses a status for a factor that is not approved elsewhere, and a challenge without a login', async () => {
    const browser = site.browser();
    await site.addUser('nobody-waiting');
    await browser.login('nobody-waiting');
    await browser.agent.get('/mfa/status?factor=totp').expect(400);
    const page = await browser.agent.get('/user/security').expect(200);
    await browser.agent.post('/mfa/challenge').set('Accept', 'application/json').set('X-CSRF-Token', csrfFrom(page.text)).send({ factor: ID }).expect(409);
    // No such factor, or one users do not set up themselves (a trusted browser): no set-up route.
    const unknown = await browser.agent.post('/user/security/no-such-factor/setup').type('form').send({ _csrf: csrfFrom(page.text) }).expect(404);
    assert.match(unknown.text, /no way of verifying by that name/);
    await browser.agent.post('/user/security/trusted-device/setup').type('form').send({ _csrf: csrfFrom(page.text) }).expect(404);
  });

  it('serves the factor’s own page in the site layout with its script and manifest, and only declared files', async () => {
    const page = await site.browser().agent.get(`${BASE}/device`).expect(200);
    assert.match(page.text, /<link rel="manifest" href="\/mfa\/assets\/testphone\/device\.webmanifest">/);
    assert.match(page.text, /<script src="\/mfa\/assets\/testphone\/device\.js" defer><\/script>/);
    assert.match(page.text, /<h1>Test device<\/h1>/);
    assert.match(page.text, /class="site-header"/, 'in the site layout');
    await site.browser().agent.get('/mfa/assets/testphone/device.webmanifest').expect(200).expect('content-type', /^application\/manifest\+json/);
    await site.browser().agent.get('/mfa/assets/testphone/device.js').expect(200).expect('content-type', /^text\/javascript/).expect('cache-control', /max-age=/);
    await site.browser().agent.get('/mfa/assets/testphone/approveOnDeviceFactor.ts').expect(404);
  });

  it('keeps a factor’s user route for sessions that passed MFA and its pending route for a login waiting at /mfa', async () => {
    const anonymous = site.browser();
    assert.match((await anonymous.agent.get(`${BASE}/events`).expect(303)).headers.location ?? '', /^\/login\?returnTo=/);
    await anonymous.agent.get(`${BASE}/waiting`).set('Accept', 'application/json').expect(409);
    await paired('waiter');
    const { browser } = await atApprovalPrompt('waiter');
    await browser.agent.get(`${BASE}/waiting`).set('Accept', 'application/json').expect(200, { waiting: true });
    // A user route stays behind the MFA gate for a login still waiting.
    await browser.agent.get(`${BASE}/events`).expect(302).expect('location', '/mfa');
  });

  it('streams a factor’s events to a signed-in user and closes the stream when the client leaves', async () => {
    await site.addUser('listener');
    const browser = site.browser();
    await browser.login('listener');
    const cookie = browser.sessionCookie() ?? '';
    const server = site.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const closedBefore = eventStreamsClosed.count;
      const first = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: `${BASE}/events`, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
          assert.match(res.headers['content-type'] ?? '', /^text\/event-stream/);
          res.once('data', (chunk: Buffer) => {
            resolve(chunk.toString());
            req.destroy();
          });
        });
        req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
        req.end();
      });
      assert.equal(first, 'event: tick\ndata: {"i":0,"user":"listener"}\n\n');
      for (let i = 0; i < 50 && eventStreamsClosed.count === closedBefore; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(eventStreamsClosed.count, closedBefore + 1, 'the factor’s stream was ended when the client left');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('at login/token.php: mfa_factor + mfa_send=1 starts it, the app polls with its mfa_token until approved, and gets the token', async () => {
    await site.mfa.settings.set('mobile_app_mfa', true, 'admin');
    try {
      await paired('app-approver');
      const userId = await userIdOf(site, 'app-approver');
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login('app-approver');
      assertMoodleError(first, 'mfarequired');
      assert.deepEqual(first.body.mfa_factors, [ID], 'an approval works without a browser');
      const mfa_token: string = first.body.mfa_token;
      // Nothing started yet: polling says so, and counts nothing.
      assertMoodleError(await app.call({ mfa_token }), 'mfapending');
      const sent = await app.call({ mfa_token, mfa_factor: ID, mfa_send: '1' });
      assert.equal(sent.status, 200, sent.text);
      assert.equal(sent.body.mfa_sent, true);
      assert.equal(sent.body.token, undefined);
      const request = device.openRequest(userId);
      assert.ok(request);
      assert.equal(sent.body.mfa_number, request.number, 'the number to match, for the app to show');
      assert.match(sent.body.message, /Call again with this mfa_token/);
      const waiting = await app.call({ mfa_token });
      assertMoodleError(waiting, 'mfapending');
      assert.equal(waiting.body.mfa_token, mfa_token);
      assert.equal(waiting.headers['retry-after'], '2');
      await supertest(site.app).post(`${BASE}/answer`).send({ request: request.id, number: request.number }).expect(200, { answer: 'approved' });
      const issued = await app.call({ mfa_token });
      assert.equal(issued.status, 200, issued.text);
      assert.match(String(issued.body.token), /^[A-Za-z0-9_-]{20,}$/, issued.text);
      assertMoodleError(await app.call({ mfa_token }), 'mfatokenexpired');
      const failures = await site.database.db('mfa_factor_failures').where({ user_id: userId }).sum({ n: 'failures' }).first();
      assert.equal(Number(failures?.n ?? 0), 0, 'polling is no wrong answer');
    } finally {
      await site.mfa.settings.set('mobile_app_mfa', false, 'admin');
    }
  });

  it('at login/token.php: a denial on the phone ends the login (mfadenied), and the mfa_token is spent', async () => {
    await site.mfa.settings.set('mobile_app_mfa', true, 'admin');
    try {
      await paired('app-denier');
      const app = new MoodleAppClient(site, 'GET');
      const first = await app.login('app-denier', { mfa_factor: ID, mfa_send: '1' });
      assert.equal(first.body.mfa_sent, true, first.text);
      const request = device.openRequest(await userIdOf(site, 'app-denier'));
      await supertest(site.app).post(`${BASE}/answer`).send({ request: request?.id, deny: true }).expect(200, { answer: 'denied' });
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token }), 'mfadenied');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token }), 'mfatokenexpired');
    } finally {
      await site.mfa.settings.set('mobile_app_mfa', false, 'admin');
    }
  });
});
