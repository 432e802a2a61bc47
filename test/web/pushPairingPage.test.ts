import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { overHttp, SoftPhone } from '../support/pushPhone.ts';
import { createPushSite } from '../support/pushSite.ts';
import { loggedInWithApp, userIdOf } from '../support/securityPageSteps.ts';
import { csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';

const ELEVEN_MINUTES = 11 * 60_000;

/**
 * Pairing a phone from /user/security as the owner's laptop does it over HTTP (the generic
 * set-up pages: the waiting step, its status, the step as it stands, the confirmation), with
 * phones posting to the site over HTTP as the phone's page does. Issue 20 item 3: the phone
 * that opens the link is paired only once the owner types the code that phone shows.
 */
for (const kind of databaseKinds) {
  describe(`pairing a phone from the security page (${kind})`, () => {
    let site: TestSite;
    before(async () => {
      ({ site } = await createPushSite(kind));
    });
    after(() => site.close());

    async function owner(username: string): Promise<{ browser: TestBrowser; user: HostUser }> {
      const { browser } = await loggedInWithApp(site, username);
      const user = await site.mfa.registry.host.findUserById(await userIdOf(site, username));
      assert.ok(user);
      return { browser, user };
    }

    /** "Pair a phone" on the security page: the waiting step, its pairing link, where it asks how the pairing stands and where it shows the step next. */
    async function pairAPhone(browser: TestBrowser) {
      const security = await browser.agent.get('/user/security').expect(200);
      const page = await browser.agent.post('/user/security/push/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'My phone' }).expect(200);
      const text = page.text.replaceAll('&amp;', '&');
      const link = /Open this link on the phone instead: ([^\s<]+)/.exec(text)?.[1] ?? '';
      const statusUrl = /data-status-url="([^"]+)"/.exec(text)?.[1] ?? '';
      const setupId = /name="setupId" value="([^"]+)"/.exec(text)?.[1] ?? '';
      assert.ok(link && statusUrl && setupId, 'the waiting step has its link, its status URL and its set-up id');
      return { page, link, statusUrl, setupId, csrf: csrfFrom(security.text) };
    }

    async function stateOf(browser: TestBrowser, statusUrl: string): Promise<string> {
      return (await browser.agent.get(statusUrl).set('Accept', 'application/json').expect(200)).body.state;
    }

    it('does not pair the phone that opened the link first: the page asks for the code that phone shows, and a self-posted confirmation, a wrong code, a missing CSRF token or a stale session pair nothing', async () => {
      const { browser, user } = await owner('laptopowner');
      const waiting = await pairAPhone(browser);
      assert.equal(await stateOf(browser, waiting.statusUrl), 'waiting');

      const attacker = new SoftPhone('My phone');
      assert.equal((await attacker.pair(overHttp(site.app), waiting.link)).status, 200);
      assert.equal(await stateOf(browser, waiting.statusUrl), 'ready');
      // What the old waiting page posted by itself once the state was ready: the set-up id, no code.
      const selfPosted = await browser.agent.post('/user/security/push/confirm').type('form').send({ _csrf: waiting.csrf, setupId: waiting.setupId });
      assert.notEqual(selfPosted.status, 303, 'a confirmation without the phone’s code pairs nothing');
      assert.equal(selfPosted.status, 400);
      assert.match(selfPosted.text, /Type the 6-digit code/);
      assert.deepEqual((await site.mfa.enrolment.devices(user)).filter((d) => d.factor === 'push'), []);
      assert.doesNotMatch(waiting.page.text, /method="post" action="\/user\/security\/push\/confirm"/, 'the waiting page holds no confirmation to post');

      // What the waiting page's script opens once the state is ready: the step as it stands.
      const stepPath = `/user/security/push/setup/step?setupId=${waiting.setupId}`;
      const step = await browser.agent.get(stepPath).expect(200);
      assert.equal(step.headers['cache-control'], 'no-store');
      assert.match(step.text, /<label for="setup-code">Code shown on the phone<\/label>/);
      assert.match(step.text, /<input id="setup-code" name="code"/);
      assert.match(step.text, /“My phone” \(Chrome on Android, from the network 127\.0\.0\.0\/24\)/, 'which phone it is, beyond the name it gave itself');
      assert.doesNotMatch(step.text, /setupWait\.js/, 'the code step waits for the owner, not for the phone');
      assert.doesNotMatch(step.text, new RegExp(attacker.pairingCode), 'the laptop never shows the code');

      await browser.agent.post('/user/security/push/confirm').type('form').send({ setupId: waiting.setupId, code: attacker.pairingCode }).expect(403);
      const wrongCode = String((Number(attacker.pairingCode) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await browser.agent.post('/user/security/push/confirm').type('form').send({ _csrf: csrfFrom(step.text), setupId: waiting.setupId, code: wrongCode }).expect(401);
      assert.match(wrong.text, /That code is not right\. 2 tries left\./);
      assert.match(wrong.text, /<input id="setup-code" name="code"/, 'the same step again, to type the code once more');

      site.clock.advance(ELEVEN_MINUTES);
      assert.match((await browser.agent.get(stepPath).expect(403)).text, /Verify it’s you/);
      await browser.agent.post('/user/security/push/confirm').type('form').send({ _csrf: csrfFrom(step.text), setupId: waiting.setupId, code: attacker.pairingCode }).expect(403);
      assert.deepEqual((await site.mfa.enrolment.devices(user)).filter((d) => d.factor === 'push'), []);
      assert.equal((await attacker.read(overHttp(site.app))).status, 403, 'the phone reads no login');
    });

    it('pairs the owner’s own phone once its code is typed on the laptop; the phone then reads its logins', async () => {
      const { browser, user } = await owner('phoneowner');
      const waiting = await pairAPhone(browser);
      const phone = new SoftPhone('Owner’s Pixel');
      const paired = await phone.pair(overHttp(site.app), waiting.link);
      assert.equal(paired.status, 200);
      assert.match(String(paired.json.message), /type this code/i);
      const step = await browser.agent.get(`/user/security/push/setup/step?setupId=${waiting.setupId}`).expect(200);
      const done = await browser.agent.post('/user/security/push/confirm').type('form').send({ _csrf: csrfFrom(step.text), setupId: waiting.setupId, code: phone.pairingCode.replace(/^(\d{3})/, '$1 ') }).expect(303);
      assert.equal(done.headers.location, '/user/security');
      assert.match((await browser.agent.get('/user/security').expect(200)).text, /Your phone is paired/);
      assert.deepEqual((await site.mfa.enrolment.devices(user)).filter((d) => d.factor === 'push').map((d) => d.label), ['Owner’s Pixel']);
      assert.equal((await phone.read(overHttp(site.app))).status, 200);
      // Over: the step is gone, and its page sends the owner back to the security page.
      assert.equal(await stateOf(browser, waiting.statusUrl), 'gone');
      assert.equal((await browser.agent.get(`/user/security/push/setup/step?setupId=${waiting.setupId}`).expect(303)).headers.location, '/user/security');
    });
  });
}
