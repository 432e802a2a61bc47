import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { databaseKinds } from '../support/databases.ts';
import { decodeHandOff, handOffLinkIn, LAUNCH_PATH, launchPath, newPassport, SITE_INFO_CALL, siteHash } from '../support/mobileLaunchSteps.ts';
import { addAuthenticatorApp, passWithCode } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`Moodle app browser sign-in (tool/mobile/launch.php) on ${kind}`, () => {
    let site: TestSite;
    let httpsSite: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      httpsSite = await createTestSite(kind, { hostOrigin: 'https://lms.example.test' });
    });
    after(async () => {
      await site.close();
      await httpsSite.close();
    });

    async function setLoginType(on: TestSite, value: 'app' | 'browser' | 'embedded_browser', scheme = 'moodlemobile') {
      await on.mfa.settings.set('mobile_app_login_type', value, 'test');
      await on.mfa.settings.set('mobile_app_url_scheme', scheme, 'test');
    }

    /** A user with an authenticator app, logged out again; returns its secret. */
    async function userWithApp(on: TestSite, username: string): Promise<string> {
      await on.addUser(username);
      const browser = on.browser();
      await browser.login(username);
      const secret = await addAuthenticatorApp(on, browser);
      await browser.logout();
      return secret;
    }

    /** The app's way in for a logged-out browser: launch.php sends it to the login, which comes back to the same launch. */
    async function logInThroughLaunch(on: TestSite, username: string, launch: string): Promise<TestBrowser> {
      const browser = on.browser();
      const first = await browser.agent.get(launch).expect(303);
      const login = new URL(String(first.headers.location), 'http://localhost');
      assert.equal(login.pathname, '/login');
      assert.equal(login.searchParams.get('returnTo'), launch, 'the login returns to this very launch');
      await browser.login(username, launch);
      return browser;
    }

    async function siteInfo(on: TestSite, token: string) {
      return supertest(on.app).post('/webservice/rest/server.php').type('form').send({ ...SITE_INFO_CALL, wstoken: token });
    }

    it('answers each bad launch link with a readable 4xx page in the site’s shell, never a 5xx', async () => {
      await setLoginType(site, 'browser');
      await site.database.db('lms_external_services').insert({ shortname: 'switched_off', name: 'Switched off', enabled: false });
      const cases: Array<[string, number, RegExp]> = [
        [`${LAUNCH_PATH}?passport=1&urlscheme=moodlemobile`, 400, /which service/],
        [`${LAUNCH_PATH}?service=moodle_mobile_app&urlscheme=moodlemobile`, 400, /passport/],
        [`${LAUNCH_PATH}?service=moodle_mobile_app&passport=1&passport=2`, 400, /passport/],
        [`${LAUNCH_PATH}?service=moodle%20app&passport=1`, 400, /service named in the link is not valid/],
        [launchPath('1', { urlscheme: '1moodle' }), 400, /urlscheme/],
        [launchPath('1', { urlscheme: 'moodle mobile' }), 400, /urlscheme/],
        [launchPath('1', { urlscheme: 'javascript' }), 400, /urlscheme/],
        [launchPath('1', { urlscheme: 'HTTPS' }), 400, /urlscheme/],
        [launchPath('1', { service: 'no_such_service' }), 403, /not available|switched off/],
        [launchPath('1', { service: 'switched_off' }), 403, /not available|switched off/],
      ];
      for (const [path, status, message] of cases) {
        const res = await site.browser().agent.get(path);
        assert.equal(res.status, status, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(res.type, /html/, path);
        assert.match(res.text, /class="site-header"/, `${path} uses the page shell`);
        assert.match(res.text, message, path);
        assert.doesNotMatch(res.text, /token=/, path);
      }
    });

    // Any web page can claim these with navigator.registerProtocolHandler(): the safelist of
    // https://html.spec.whatwg.org/multipage/system-state.html#safelisted-scheme, the ones
    // Chromium adds to it (blink protocol_handler_utils.cc), and every `web+` name.
    const schemesAPageCanClaim = [
      'bitcoin', 'ftp', 'ftps', 'geo', 'im', 'irc', 'ircs', 'magnet', 'mailto', 'matrix', 'mms', 'news', 'nntp', 'openpgp4fpr',
      'sftp', 'sip', 'sms', 'smsto', 'ssh', 'tel', 'urn', 'webcal', 'wtai', 'xmpp',
      'cabal', 'dat', 'did', 'doi', 'dweb', 'ethereum', 'hyper', 'ipfs', 'ipns', 'ssb', 'payto',
      'web+evil', 'web+moodlemobile', 'WEB+Evil', 'Irc', 'MAGNET',
    ];

    it('refuses every scheme a web page can claim (HTML’s registerProtocolHandler safelist, web+…), from the link and from the setting', async () => {
      await setLoginType(site, 'browser', '');
      await site.addUser('claimed');
      const browser = site.browser();
      await browser.login('claimed');
      for (const scheme of schemesAPageCanClaim) {
        const passport = newPassport();
        const res = await browser.agent.get(launchPath(passport, { urlscheme: scheme }));
        assert.equal(res.status, 400, `${scheme}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(res.text, /urlscheme/, scheme);
        assert.doesNotMatch(res.text, /token=/, scheme);
        const posted = await browser.agent.post(LAUNCH_PATH).type('form').send({ _csrf: csrfFrom((await browser.agent.get('/my')).text), service: 'moodle_mobile_app', passport, urlscheme: scheme });
        assert.equal(posted.status, 400, `${scheme} posted: ${posted.status}`);
        assert.doesNotMatch(posted.text, /token=/, scheme);
      }
      try {
        for (const scheme of ['web+evil', 'irc', 'sms']) {
          await site.mfa.settings.set('mobile_app_url_scheme', scheme, 'test');
          const forced = await browser.agent.get(launchPath(newPassport())).expect(403);
          assert.match(forced.text, /mobile_app_url_scheme/, scheme);
          assert.doesNotMatch(forced.text, /token=/, scheme);
        }
      } finally {
        await setLoginType(site, 'browser');
      }
      assert.equal((await site.mfa.audit.recent({ event: 'service_token_issued' })).filter((r) => r.actor === 'claimed').length, 0, 'no token was issued');
    });

    it('refuses with login type "app" unless the user just logged in for this link (Moodle: typeoflogin / justloggedin)', async () => {
      await setLoginType(site, 'app');
      await site.addUser('apptype');
      const passport = newPassport();
      // Logged out: no login offered, because the app was told to use its own form.
      const loggedOut = await site.browser().agent.get(launchPath(passport)).expect(403);
      assert.match(loggedOut.text, /through the browser is off/);
      // Already signed in (a login for another page): still refused, by GET and by the confirm POST.
      const browser = site.browser();
      await browser.login('apptype');
      const signedIn = await browser.agent.get(launchPath(passport)).expect(403);
      assert.match(signedIn.text, /through the browser is off/);
      const my = await browser.agent.get('/my').expect(200);
      await browser.agent.post(LAUNCH_PATH).type('form').send({ _csrf: csrfFrom(my.text), service: 'moodle_mobile_app', passport, urlscheme: 'moodlemobile' }).expect(403);
      // A login made for this very link (e.g. through an identity provider) is the exception Moodle makes.
      const fresh = site.browser();
      assert.equal((await fresh.login('apptype', launchPath(passport))).headers.location, launchPath(passport));
      const handOff = await fresh.agent.get(launchPath(passport)).expect(200);
      assert.equal(decodeHandOff(handOffLinkIn(handOff.text)).siteHash, siteHash('http://localhost', passport));
    });

    it('sends a logged-out browser to the login with a same-origin returnTo, and a password-only session to /mfa, never to a token', async () => {
      await setLoginType(site, 'browser');
      await userWithApp(site, 'gated');
      const launch = launchPath(newPassport());
      const browser = site.browser();
      const first = await browser.agent.get(launch).expect(303);
      assert.equal(first.headers.location, `/login?returnTo=${encodeURIComponent(launch)}`);
      const login = await browser.login('gated', launch);
      assert.equal(login.headers.location, '/mfa', 'the password alone is not enough');
      const again = await browser.agent.get(launch).expect(302);
      assert.equal(again.headers.location, '/mfa', 'the MFA gate holds launch.php too');
      assert.equal((await site.mfa.audit.recent({ event: 'service_token_issued' })).filter((r) => r.actor === 'gated').length, 0);
    });

    it('after the second factor hands the app md5(site URL + passport) and a token the REST server accepts, once; audited without secrets', async () => {
      await setLoginType(site, 'browser');
      const secret = await userWithApp(site, 'mobileuser');
      const passport = newPassport();
      const launch = launchPath(passport);
      const browser = await logInThroughLaunch(site, 'mobileuser', launch);
      assert.equal(await passWithCode(site, browser, secret), launch, 'MFA returns to the launch');
      const page = await browser.agent.get(launch).expect(200);
      assert.equal(page.headers['cache-control'], 'no-store', 'the page carries a token: never cached');
      assert.match(page.text, /<script src="\/assets\/openApp\.js"><\/script>/);
      const handOff = decodeHandOff(handOffLinkIn(page.text));
      assert.equal(handOff.scheme, 'moodlemobile');
      assert.equal(handOff.siteHash, siteHash('http://localhost', passport), 'the app checks this against its own site URL and passport');
      assert.equal(handOff.parts, 2, 'no private token over plain http');
      const info = await siteInfo(site, handOff.token);
      assert.equal(info.status, 200, info.text);
      assert.equal(info.body.username, 'mobileuser');

      const [audited] = await site.mfa.audit.recent({ event: 'service_token_issued', userId: info.body.userid.toString() });
      assert.ok(audited, 'the hand-off is audited');
      assert.deepEqual(audited.detail, { service: 'moodle_mobile_app', via: 'browser_sign_in', privateToken: false, confirmed: false });
      const row = JSON.stringify(await site.database.db('mfa_audit_log').where({ id: audited.id }).first());
      assert.ok(!row.includes(handOff.token) && !row.includes(passport), 'neither the token nor the passport is in the audit log');
      assert.ok(!site.logs.some((line) => line.includes(handOff.token) || line.includes(passport)), 'nor in the plugin log');

      // The "just logged in" mark is spent: the same link again asks first instead of handing out another token.
      const reload = await browser.agent.get(launch).expect(200);
      assert.match(reload.text, /Open the Test LMS app signed in as mobileuser\?/);
      assert.doesNotMatch(reload.text, /token=/);
    });

    it('comes back to the launch after a recovery code too, not to the security page', async () => {
      await setLoginType(site, 'browser');
      await site.addUser('rescued');
      const setup = site.browser();
      await setup.login('rescued');
      const security = await setup.agent.get('/user/security').expect(200);
      const shown = await setup.agent.post('/user/security/recovery-codes/setup').type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
      const code = /<li><code>([a-z2-7-]{19})<\/code><\/li>/.exec(shown.text)?.[1];
      assert.ok(code, 'a recovery code is shown');
      const setupId = /name="setupId" value="(\d+)"/.exec(shown.text)?.[1];
      await setup.agent.post('/user/security/recovery-codes/confirm').type('form').send({ _csrf: csrfFrom(shown.text), setupId }).expect(303);
      await setup.logout();

      const passport = newPassport();
      const browser = await logInThroughLaunch(site, 'rescued', launchPath(passport));
      const mfa = await browser.agent.get('/mfa').expect(200);
      const passed = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(mfa.text), factor: 'recovery_codes', code }).expect(303);
      assert.equal(passed.headers.location, launchPath(passport));
      const page = await browser.agent.get(launchPath(passport)).expect(200);
      assert.equal((await siteInfo(site, decodeHandOff(handOffLinkIn(page.text)).token)).body.username, 'rescued');
    });

    it('asks an already signed-in browser first: GET shows who and which app, POST without the CSRF token is refused, with it hands off', async () => {
      await setLoginType(site, 'browser');
      await site.addUser('already');
      const browser = site.browser();
      await browser.login('already');
      // A login made for one launch link does not vouch for another one (another passport).
      const passport = newPassport();
      const confirm = await browser.agent.get(launchPath(passport)).expect(200);
      assert.match(confirm.text, /Open the Test LMS app signed in as already\?/);
      assert.match(confirm.text, /href="\/my"[^>]*>Cancel</);
      assert.doesNotMatch(confirm.text, /token=/, 'nothing handed over before the user says so');
      assert.equal((await site.mfa.audit.recent({ event: 'service_token_issued' })).filter((r) => r.actor === 'already').length, 0);

      const fields = { service: 'moodle_mobile_app', passport, urlscheme: 'moodlemobile' };
      const forged = await browser.agent.post(LAUNCH_PATH).type('form').send(fields).expect(403);
      assert.doesNotMatch(forged.text, /token=/);
      const stranger = site.browser();
      await stranger.agent.post(LAUNCH_PATH).type('form').send({ ...fields, _csrf: csrfFrom(confirm.text) }).expect(403);

      const confirmed = await browser.agent.post(LAUNCH_PATH).type('form').send({ ...fields, _csrf: csrfFrom(confirm.text) }).expect(200);
      const handOff = decodeHandOff(handOffLinkIn(confirmed.text));
      assert.equal(handOff.siteHash, siteHash('http://localhost', passport));
      assert.equal((await siteInfo(site, handOff.token)).body.username, 'already');
      const [audited] = (await site.mfa.audit.recent({ event: 'service_token_issued' })).filter((r) => r.actor === 'already');
      assert.equal(audited?.detail?.confirmed, true);
    });

    it('a login made for one launch link is not fresh for another (a different passport): that one asks first', async () => {
      await setLoginType(site, 'browser');
      await site.addUser('twolinks');
      const mine = launchPath(newPassport());
      const browser = await logInThroughLaunch(site, 'twolinks', mine);
      const other = await browser.agent.get(launchPath(newPassport())).expect(200);
      assert.match(other.text, /signed in as twolinks\?/);
      assert.doesNotMatch(other.text, /token=/);
    });

    it('adds the private token only over https, for a non-admin, on a fresh login (Moodle launch.php)', async () => {
      await setLoginType(httpsSite, 'browser');
      await httpsSite.addUser('student');
      await httpsSite.addUser('siteadmin', undefined, true);

      const passport = newPassport();
      const fresh = await logInThroughLaunch(httpsSite, 'student', launchPath(passport));
      const page = await fresh.agent.get(launchPath(passport)).expect(200);
      const handOff = decodeHandOff(handOffLinkIn(page.text));
      assert.equal(handOff.siteHash, siteHash('https://lms.example.test', passport), 'the hash uses the site URL, https included');
      assert.equal(handOff.parts, 3);
      assert.match(handOff.privateToken ?? '', /^[A-Za-z0-9_-]{64}$/);
      const stored = await httpsSite.database.db('lms_external_tokens').where({ token_hash: hashToken(handOff.token) }).first('private_token_hash');
      assert.equal(stored?.private_token_hash, hashToken(handOff.privateToken ?? ''), 'it is the private token issued with this token');

      const adminPassport = newPassport();
      const admin = await logInThroughLaunch(httpsSite, 'siteadmin', launchPath(adminPassport));
      const adminPage = await admin.agent.get(launchPath(adminPassport)).expect(200);
      assert.equal(decodeHandOff(handOffLinkIn(adminPage.text)).parts, 2, 'never for a site administrator');

      const later = newPassport();
      const confirm = await fresh.agent.get(launchPath(later)).expect(200);
      const confirmed = await fresh.agent
        .post(LAUNCH_PATH)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), service: 'moodle_mobile_app', passport: later, urlscheme: 'moodlemobile' })
        .expect(200);
      assert.equal(decodeHandOff(handOffLinkIn(confirmed.text)).parts, 2, 'not when the session did not just log in');
    });

    it('hands off to mobile_app_url_scheme whatever the link names; empty takes the link’s; a browser scheme in the setting is refused', async () => {
      await site.addUser('branded');
      await setLoginType(site, 'browser', 'mybrandedapp');
      const passport = newPassport();
      const browser = await logInThroughLaunch(site, 'branded', launchPath(passport, { urlscheme: 'moodlemobile' }));
      const forced = await browser.agent.get(launchPath(passport, { urlscheme: 'moodlemobile' })).expect(200);
      assert.equal(decodeHandOff(handOffLinkIn(forced.text)).scheme, 'mybrandedapp');

      await setLoginType(site, 'browser', '');
      const own = newPassport();
      const second = await logInThroughLaunch(site, 'branded', launchPath(own, { urlscheme: 'org.example.app' }));
      const linkScheme = await second.agent.get(launchPath(own, { urlscheme: 'org.example.app' })).expect(200);
      assert.equal(decodeHandOff(handOffLinkIn(linkScheme.text)).scheme, 'org.example.app');

      await assert.rejects(site.mfa.settings.set('mobile_app_url_scheme', 'my app://', 'test'), /not accepted/);
      await setLoginType(site, 'browser', 'https');
      const refused = await second.agent.get(launchPath(newPassport())).expect(403);
      assert.match(refused.text, /mobile_app_url_scheme/);
      await setLoginType(site, 'browser');
    });
  });
}
