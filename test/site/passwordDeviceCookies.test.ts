import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { anotherInstanceOf } from '../support/siteInstances.ts';
import { createTestSite, csrfFrom, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

const PAIR_REFUSAL = 'Too many wrong passwords for this account from your address. Try again in 1 minute.';
const DAY = 86_400_000;

/** The `name=value` of the device cookie a response sets (OWASP "Slow Down Online Guessing Attacks with Device Cookies"). */
function deviceCookieSetBy(res: supertest.Response): { name: string; value: string } {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('mfa_password_device_'));
  assert.ok(line, `a right password at the login page sets a device cookie (Set-Cookie: ${JSON.stringify(res.headers['set-cookie'])})`);
  const [pair] = line.split(';');
  const eq = pair!.indexOf('=');
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1) };
}

/**
 * Issue 20 item 2: the throttle locked the owner out. A browser that signed in as the user
 * carries a signed device cookie for that user; guesses from clients without it never hold
 * it back. Without `trust_proxy` every client here comes from 127.0.0.1: one campus NAT.
 */
for (const kind of databaseKinds) {
  describe(`password device cookies on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    /** A client that opens the login page and posts the form, as a browser does; `cookie` is sent as well as its own. */
    async function signIn(agent: supertest.Agent, username: string, password: string, options: { headers?: Record<string, string>; cookie?: string } = {}) {
      const headers = options.headers ?? {};
      const form = await agent.get('/login').set(headers);
      const post = agent.post('/login').set(headers);
      if (options.cookie) post.set('Cookie', options.cookie);
      return post.type('form').send({ _csrf: csrfFrom(form.text), username, password });
    }

    /** `count` wrong passwords for `username` from a client with no device cookie; each answers 401, the rest as they come. */
    async function guessWithoutCookie(username: string, count: number, headers: Record<string, string> = {}, app = site.app): Promise<number[]> {
      const attacker = supertest.agent(app);
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) statuses.push((await signIn(attacker, username, `guess ${i}`, { headers })).status);
      return statuses;
    }

    it('lets the owner’s browser in at once after 5+ wrong guesses from the owner’s own address (a campus NAT)', async () => {
      await site.addUser('nat-owner');
      const owner = site.browser();
      await owner.login('nat-owner');
      await owner.logout();
      assert.deepEqual(await guessWithoutCookie('nat-owner', 6), [401, 401, 401, 401, 401, 429], 'the NAT address waits after five');
      const cookieless = await signIn(supertest.agent(site.app), 'nat-owner', TEST_PASSWORD);
      assert.deepEqual([cookieless.status, cookieless.headers['retry-after']], [429, '60'], 'a browser without the cookie waits with the address');
      const signedIn = await signIn(owner.agent, 'nat-owner', TEST_PASSWORD);
      assert.equal(signedIn.status, 303, `the owner’s browser is not delayed: ${signedIn.status} ${signedIn.text.slice(0, 120)}`);
      assert.equal(signedIn.headers['retry-after'], undefined);
      // token.php's clients keep no cookies: it keeps the address rule, and the address still waits there.
      const app = await supertest(site.app).post('/login/token.php').type('form').send({ username: 'nat-owner', password: TEST_PASSWORD, service: 'moodle_mobile_app' });
      assert.deepEqual([app.body.errorcode, app.body.error], ['invalidlogin', PAIR_REFUSAL]);
    });

    it('with trust_proxy, 50 guesses from forged addresses fill the account’s hour: the owner’s browser gets in, a cookieless client waits', async () => {
      await site.mfa.settings.set('trust_proxy', true, 'test');
      try {
        await site.addUser('proxy-owner');
        const owner = site.browser();
        await owner.login('proxy-owner', undefined, { 'X-Forwarded-For': '198.51.100.20' });
        const statuses: number[] = [];
        for (let i = 0; i < 50; i++) statuses.push(...(await guessWithoutCookie('proxy-owner', 1, { 'X-Forwarded-For': `203.0.113.${i + 1}` })));
        assert.ok(statuses.every((s) => s === 401), 'each forged address is new, so each guess is compared');
        const travelling = { 'X-Forwarded-For': '192.0.2.44' };
        const cookieless = await signIn(supertest.agent(site.app), 'proxy-owner', TEST_PASSWORD, { headers: travelling });
        assert.equal(cookieless.status, 429, 'the account’s ceiling holds back a client without the cookie');
        assert.equal(cookieless.headers['retry-after'], '3600');
        assert.ok(cookieless.text.includes('Too many wrong passwords for this account from many addresses. Try again in 60 minutes, or from a browser or a place where you have logged in before.'), 'the page says why, for how long, and what still works');
        const signedIn = await signIn(owner.agent, 'proxy-owner', TEST_PASSWORD, { headers: travelling });
        assert.equal(signedIn.status, 303, `the owner’s browser, at an address it never used, gets in: ${signedIn.status}`);
      } finally {
        await site.mfa.settings.set('trust_proxy', false, 'test');
      }
    });

    it('gives no exemption to an altered cookie, another user’s cookie, or an expired one', async () => {
      await site.addUser('cookie-owner');
      await site.addUser('cookie-other');
      const owner = site.browser();
      const own = deviceCookieSetBy(await owner.login('cookie-owner'));
      const other = deviceCookieSetBy(await site.browser().login('cookie-other'));
      assert.notEqual(own.name, other.name, 'one cookie per user, so a shared computer keeps each one’s');
      assert.deepEqual(await guessWithoutCookie('cookie-owner', 5), [401, 401, 401, 401, 401]);
      const tryWith = async (cookie: string) => {
        const res = await signIn(supertest.agent(site.app), 'cookie-owner', TEST_PASSWORD, { cookie });
        return [res.status, res.headers['retry-after']];
      };
      const [id, expires, keyId, mac] = own.value.split('.');
      const flip = (text: string) => `${text.slice(0, -1)}${text.endsWith('0') ? '1' : '0'}`;
      assert.deepEqual(await tryWith(`${own.name}=${id}.${expires}.${keyId}.${flip(mac!)}`), [429, '60'], 'an altered signature');
      assert.deepEqual(await tryWith(`${own.name}=${id}.${(Number.parseInt(expires!, 36) + DAY).toString(36)}.${keyId}.${mac}`), [429, '60'], 'a later expiry the site did not sign');
      assert.deepEqual(await tryWith(`${own.name}=${flip(id!)}.${expires}.${keyId}.${mac}`), [429, '60'], 'another device id');
      assert.deepEqual(await tryWith(`${own.name}=${other.value}`), [429, '60'], 'another user’s cookie under this user’s name');
      assert.deepEqual(await tryWith(`${other.name}=${other.value}`), [429, '60'], 'another user’s cookie as it was set');
      assert.deepEqual(await tryWith(`${own.name}=${own.value}`), [303, undefined], 'the cookie as the site set it gets in');
      // A year and a day on, the same cookie has expired (a browser would have dropped it; one that kept it gains nothing).
      site.clock.advance(366 * DAY);
      assert.deepEqual(await guessWithoutCookie('cookie-owner', 5), [401, 401, 401, 401, 401]);
      assert.deepEqual(await tryWith(`${own.name}=${own.value}`), [429, '60'], 'an expired cookie');
    });

    it('takes the exemption from a cookie used for too many wrong passwords, and from that browser only', async () => {
      await site.addUser('typo-owner');
      const laptop = site.browser();
      const phone = site.browser();
      await laptop.login('typo-owner');
      await phone.login('typo-owner');
      assert.deepEqual(await guessWithoutCookie('typo-owner', 6), [401, 401, 401, 401, 401, 429]);
      const typed: number[] = [];
      for (let i = 0; i < 10; i++) typed.push((await signIn(laptop.agent, 'typo-owner', `typo ${i}`)).status);
      assert.deepEqual(typed, Array(10).fill(401), 'a browser with the cookie is compared while the address waits, ten times an hour');
      const locked = await signIn(laptop.agent, 'typo-owner', TEST_PASSWORD);
      assert.deepEqual([locked.status, locked.headers['retry-after']], [429, '60'], 'the eleventh try is a client without a cookie: it waits with the address');
      assert.ok(locked.text.includes(PAIR_REFUSAL));
      const other = await signIn(phone.agent, 'typo-owner', TEST_PASSWORD);
      assert.equal(other.status, 303, 'the owner’s other browser keeps its exemption');
      // An hour on, the laptop's failures have left the window: with the address closed again, it gets in.
      site.clock.advance(3600_000);
      assert.deepEqual(await guessWithoutCookie('typo-owner', 2), [401, 429]);
      assert.equal((await signIn(laptop.agent, 'typo-owner', TEST_PASSWORD)).status, 303, 'the laptop has its exemption back');
    });

    it('holds across app instances: a cookie one instance set, another honours, and wrong passwords on both count toward its lock', async () => {
      const other = anotherInstanceOf(site);
      try {
        await site.addUser('two-instances');
        const own = deviceCookieSetBy(await site.browser().login('two-instances'));
        const cookie = `${own.name}=${own.value}`;
        const onA = supertest.agent(site.app);
        const onB = supertest.agent(other.app);
        assert.deepEqual(await guessWithoutCookie('two-instances', 6, {}, other.app), [401, 401, 401, 401, 401, 429]);
        // (A fresh client each time the password is right: it sets a new cookie, which its jar would send instead of this one.)
        assert.equal((await signIn(supertest.agent(other.app), 'two-instances', TEST_PASSWORD, { cookie })).status, 303, 'the other instance honours the cookie');
        const typed: number[] = [];
        for (let i = 0; i < 5; i++) typed.push((await signIn(onA, 'two-instances', `typo ${i}`, { cookie })).status);
        for (let i = 0; i < 5; i++) typed.push((await signIn(onB, 'two-instances', `typo ${i}`, { cookie })).status);
        assert.deepEqual(typed, Array(10).fill(401));
        const locked = await signIn(onA, 'two-instances', TEST_PASSWORD, { cookie });
        assert.deepEqual([locked.status, locked.headers['retry-after']], [429, '60'], 'ten on the two instances together lock it');
      } finally {
        await other.close();
      }
    });
  });
}
