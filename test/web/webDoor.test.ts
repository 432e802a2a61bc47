import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { withSettings } from '../support/withSettings.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, type TestSite, totpSecretFrom } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`web-session door on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    /** Logs in with the password and enrols an authenticator app from /user/security, as a person would. */
    async function enrolledUser(username: string) {
      await site.addUser(username);
      const browser = site.browser();
      await browser.login(username);
      const security = await browser.agent.get('/user/security').expect(200);
      const setupPage = await browser.agent
        .post('/user/security/totp/setup')
        .type('form')
        .send({ _csrf: csrfFrom(security.text), label: 'My phone' })
        .expect(200);
      assert.match(setupPage.text, /<svg/, 'the QR code is drawn on our own page');
      assert.doesNotMatch(setupPage.text, /chart\.googleapis|api\.qrserver/);
      const secret = totpSecretFrom(setupPage.text);
      const setupId = /name="setupId" value="(\d+)"/.exec(setupPage.text)?.[1];
      await browser.agent
        .post('/user/security/totp/confirm')
        .type('form')
        .send({ _csrf: csrfFrom(setupPage.text), setupId, label: 'My phone', code: await codeFor(secret, site.clock.time) })
        .expect(303)
        .expect('location', '/user/security');
      site.clock.advance(30_000);
      await browser.logout();
      return { secret };
    }

    it('lets a user with no factor straight through after the password', async () => {
      await site.addUser('plain');
      const browser = site.browser();
      const res = await browser.login('plain');
      assert.equal(res.headers.location, '/my');
      await browser.agent.get('/my').expect(200);
    });

    it('sends an enrolled user to /mfa and keeps every other page shut until the code is given', async () => {
      const { secret } = await enrolledUser('gated');
      const browser = site.browser();
      const login = await browser.login('gated', '/my?tab=grades');
      assert.equal(login.headers.location, '/mfa');
      for (const path of ['/my', '/admin', '/user/security', '/my?tab=grades', '/MY', '/my/../admin']) {
        const res = await browser.agent.get(path);
        assert.ok(res.status === 302 || res.status === 404, `${path} answered ${res.status}`);
        if (res.status === 302) assert.equal(res.headers.location, '/mfa', path);
      }
      // The JSON API never takes the browser's cookie: a half-logged-in session is no credential there.
      assert.equal((await browser.agent.get('/api/v1/me')).status, 401);
      const page = await browser.agent.get('/mfa').expect(200);
      assert.match(page.text, /autocomplete="one-time-code"/);
      assert.match(page.text, /inputmode="numeric"/);
      assert.match(page.text, /name="code"/);
      const post = await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', id: '1' });
      assert.equal(post.status, 401, 'a form post cannot skip the gate either');
      const before = browser.sessionCookie();
      const pass = await browser.agent
        .post('/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) })
        .expect(303);
      assert.equal(pass.headers.location, '/my?tab=grades', 'lands on the page first asked for');
      const after = sessionCookieSetBy(pass);
      assert.ok(after && before && after !== before, 'a new session id after MFA');
      await browser.agent.get('/my').expect(200);
    });

    it('says how many tries are left after a wrong code', async () => {
      const { secret } = await enrolledUser('wrong');
      const browser = site.browser();
      await browser.login('wrong');
      const page = await browser.agent.get('/mfa');
      const res = await withSettings(site.mfa, { lockout_threshold: 3 }, async () => {
        const wrong = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: '000000' }).expect(401);
        assert.match(wrong.text, /2 tries left/);
        assert.match(wrong.text, /aria-invalid="true"/);
        return wrong;
      });
      await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(res.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
    });

    it('locks at the threshold when wrong codes arrive in parallel', async () => {
      await enrolledUser('parallel');
      await withSettings(site.mfa, { lockout_threshold: 3 }, async () => {
        const browser = site.browser();
        await browser.login('parallel');
        const csrf = csrfFrom((await browser.agent.get('/mfa')).text);
        const answers = await Promise.all(
          Array.from({ length: 6 }, () => browser.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'totp', code: '123123' })),
        );
        // Which page each answer shows depends on timing (a wrong code answered after the lock shows the locked page);
        // what must hold is that no more than the threshold of inputs were ever checked.
        assert.ok(answers.every((a) => a.status === 401 || a.status === 403), answers.map((a) => a.status).join());
        assert.ok(answers.filter((a) => a.status === 403).length >= 4);
        // Why each was refused: a wrong code (401), or the factor locked by the others (403).
        for (const answer of answers) assert.match(answer.text, answer.status === 401 ? /not right/ : /locked/, `${answer.status}`);
        const user = await site.database.db('lms_users').where({ username: 'parallel' }).first('id');
        const checked = await site.mfa.audit.recent({ userId: String(user.id), event: 'factor_failed' });
        assert.equal(checked.length, 3, 'exactly threshold inputs were checked');
        const locked = await browser.agent.get('/mfa');
        assert.equal(locked.status, 403);
        assert.match(locked.text, /locked/);
      });
    });

    it('refuses a form without its CSRF token', async () => {
      await enrolledUser('csrf');
      const browser = site.browser();
      await browser.login('csrf');
      await browser.agent.post('/mfa').type('form').send({ factor: 'totp', code: '123456' }).expect(403);
    });

    it('never redirects off the site after MFA', async () => {
      const { secret } = await enrolledUser('redirect');
      for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
        const browser = site.browser();
        await browser.login('redirect', target);
        const page = await browser.agent.get('/mfa');
        site.clock.advance(30_000);
        const res = await browser.agent
          .post('/mfa')
          .type('form')
          .send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) })
          .expect(303);
        assert.ok(res.headers.location?.startsWith('/') && !res.headers.location.startsWith('//'), `${target} → ${res.headers.location}`);
        assert.ok(!String(res.headers.location).includes('evil'), `${target} → ${res.headers.location}`);
      }
    });

    it('remembers a trusted browser and asks again once the trust is revoked', async () => {
      const { secret } = await enrolledUser('trusting');
      const browser = site.browser();
      await browser.login('trusting');
      const page = await browser.agent.get('/mfa');
      assert.match(page.text, /Trust this device for 24 hours/);
      await browser.agent
        .post('/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time), trust_device: '1' })
        .expect(303);
      await browser.logout();
      assert.equal((await browser.login('trusting')).headers.location, '/my', 'trusted: no second factor');
      const security = await browser.agent.get('/user/security').expect(200);
      const id = /name="factor" value="trusted_device">\s*<input type="hidden" name="id" value="(\d+)"/.exec(security.text)?.[1];
      assert.ok(id, 'the trusted browser is listed');
      await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrfFrom(security.text), factor: 'trusted_device', id }).expect(303);
      await browser.logout();
      assert.equal((await browser.login('trusting')).headers.location, '/mfa');
    });

    it('lets a trusted network through, reading X-Forwarded-For only behind a proxy', async () => {
      await enrolledUser('network');
      await withSettings(site.mfa, { 'factor.ip_range.enabled': true, 'factor.ip_range.ranges': '203.0.113.0/24' }, async () => {
        const spoofed = site.browser();
        assert.equal((await spoofed.login('network', undefined, { 'X-Forwarded-For': '203.0.113.9' })).headers.location, '/mfa');
        await withSettings(site.mfa, { trust_proxy: true }, async () => {
          const proxied = site.browser();
          assert.equal((await proxied.login('network', undefined, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' })).headers.location, '/my');
        });
      });
    });

    it('sends a user who must set up MFA to enrol first, then on to the page they asked for', async () => {
      await site.addUser('newcomer');
      await withSettings(site.mfa, { require_setup: true }, async () => {
        const browser = site.browser();
        const login = await browser.login('newcomer', '/my?welcome=1');
        assert.equal(login.headers.location, '/user/security?setup=required');
        assert.equal((await browser.agent.get('/my')).headers.location, '/mfa');
        const security = await browser.agent.get('/user/security').expect(200);
        assert.match(security.text, /requires a second way/);
        const setupPage = await browser.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
        const secret = totpSecretFrom(setupPage.text);
        const setupId = /name="setupId" value="(\d+)"/.exec(setupPage.text)?.[1];
        const done = await browser.agent
          .post('/user/security/totp/confirm')
          .type('form')
          .send({ _csrf: csrfFrom(setupPage.text), setupId, code: await codeFor(secret, site.clock.time) })
          .expect(303);
        assert.equal(done.headers.location, '/my?welcome=1');
        await browser.agent.get('/my').expect(200);
      });
    });

    it('asks for the password again when the MFA step took too long', async () => {
      await enrolledUser('slow');
      const browser = site.browser();
      await browser.login('slow');
      site.clock.advance(11 * 60_000);
      const res = await browser.agent.get('/mfa').expect(303);
      assert.equal(res.headers.location, '/login?notice=expired');
      const page = await browser.agent.get(String(res.headers.location)).expect(200);
      assert.match(page.text, /Your login has expired/);
      const crafted = await browser.agent.get('/login?notice=Call%20555-0100%20to%20verify%20your%20account').expect(200);
      assert.doesNotMatch(crafted.text, /555-0100/, 'the login page never shows text from the URL');
    });

    it('lets a pending user open the admin’s redirect exclusions and nothing else', async () => {
      await enrolledUser('excluded');
      await withSettings(site.mfa, { redirect_exclusions: '/help\n/public/' }, async () => {
        const browser = site.browser();
        await browser.login('excluded');
        for (const open of ['/help', '/public', '/public/timetable']) assert.equal((await browser.agent.get(open)).status, 404, `${open} is not gated`);
        for (const shut of ['/help/secret', '/helpdesk', '/publicity']) assert.equal((await browser.agent.get(shut)).headers.location, '/mfa', `${shut} is gated`);
      });
    });

    it('asks nobody for a second factor while the plugin is switched off', async () => {
      await enrolledUser('off');
      await withSettings(site.mfa, { enabled: false }, async () => {
        const browser = site.browser();
        assert.equal((await browser.login('off')).headers.location, '/my');
      });
    });
  });
}
