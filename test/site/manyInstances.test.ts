import assert from 'node:assert/strict';
import type { Express } from 'express';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { findUserByUsername } from '../../lms/users.ts';
import type { AnyFactorProviderFactory, FactorInput, RequestFacts } from '../../plugin/spi/factor.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit } from '../support/moodleApp.ts';
import { anotherInstanceOf, meetAtFactor, type SiteInstance } from '../support/siteInstances.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, TEST_PASSWORD, type TestBrowser, type TestSite, totpSecretFrom } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';

// Two app instances (A = the TestSite's own app, B = another built over the same database
// with its own pool) stand for two processes behind a load balancer: whatever decides a
// login must be agreed through the database (DESIGN.md, "Data"). Races are made to meet
// at the factor (meetAtFactor) so the test does not depend on timing.

for (const kind of databaseKinds) {
  describe(`two app instances on one ${kind} database`, () => {
    let site: TestSite;
    let b: SiteInstance;
    let kit: AppTestKit;
    before(async () => {
      site = await createTestSite(kind);
      b = anotherInstanceOf(site);
      kit = new AppTestKit(site);
    });
    after(async () => {
      await b.close();
      await site.close();
    });

    /** Even calls go to A, odd ones to B. */
    const instance = (i: number): Express => (i % 2 === 0 ? site.app : b.app);
    const userId = async (username: string) => (await findUserByUsername(site.database.db, username))?.id ?? assert.fail(`no user ${username}`);

    /** Logs in on `browser` and returns the /mfa page's CSRF token. */
    async function atMfa(browser: TestBrowser, username: string): Promise<string> {
      const login = await browser.login(username);
      assert.equal(login.headers.location, '/mfa');
      return csrfFrom((await browser.agent.get('/mfa').expect(200)).text);
    }

    it('enrols an authenticator app on one instance and passes with it on the other', async () => {
      await site.addUser('across');
      const onA = site.browser();
      await onA.login('across');
      const security = await onA.agent.get('/user/security').expect(200);
      const setup = await onA.agent.post('/user/security/totp/setup').type('form').send({ _csrf: csrfFrom(security.text), label: 'Phone' }).expect(200);
      const secret = totpSecretFrom(setup.text);
      const setupId = /name="setupId" value="(\d+)"/.exec(setup.text)?.[1];
      await onA.agent
        .post('/user/security/totp/confirm')
        .type('form')
        .send({ _csrf: csrfFrom(setup.text), setupId, label: 'Phone', code: await codeFor(secret, site.clock.time) })
        .expect(303);
      site.clock.advance(30_000);

      const onB = b.browser();
      const csrf = await atMfa(onB, 'across');
      const passed = await onB.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'totp', code: await codeFor(secret, site.clock.time) }).expect(303);
      assert.equal(passed.headers.location, '/my');
      // The session B made opens pages on A too: sessions live in the database.
      const cookie = sessionCookieSetBy(passed);
      assert.ok(cookie);
      await supertest(site.app).get('/my').set('Cookie', cookie).expect(200);
    });

    it('accepts a TOTP code once when four logins replay it on both instances at the same moment', async () => {
      await kit.withTotp('replayed');
      const code = await kit.nextTotp('replayed');
      const browsers = [site.browser(), b.browser(), site.browser(), b.browser()];
      const tokens = await Promise.all(browsers.map((browser) => atMfa(browser, 'replayed')));
      const release = meetAtFactor([site.mfa, b.mfa], 'totp', browsers.length);
      const answers = await Promise.all(browsers.map((browser, i) => browser.agent.post('/mfa').type('form').send({ _csrf: tokens[i], factor: 'totp', code })));
      assert.equal(release(), 4, 'all four reached the code check together');
      assert.deepEqual(answers.map((a) => a.status).sort(), [303, 401, 401, 401], answers.map((a) => a.status).join());
      for (const loser of answers.filter((a) => a.status === 401)) assert.match(loser.text, /That code was used already/, 'each loser lost to the replay rule');
      const reused = await site.mfa.audit.recent({ userId: await userId('replayed'), event: 'totp_code_reused' });
      assert.equal(reused.length, 3);
    });

    it('checks exactly the lockout threshold of wrong codes sent to both instances at once', async () => {
      await kit.withTotp('guessed');
      await site.mfa.settings.set('lockout_threshold', 3, 'test');
      try {
        const owner = site.browser();
        const csrf = await atMfa(owner, 'guessed');
        const cookie = owner.sessionCookie() ?? assert.fail('a session cookie');
        const release = meetAtFactor([site.mfa, b.mfa], 'totp', 3);
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) => supertest(instance(i)).post('/mfa').set('Cookie', cookie).type('form').send({ _csrf: csrf, factor: 'totp', code: '123123' })),
        );
        assert.equal(release(), 3, 'no more than the threshold reached the code check');
        assert.ok(answers.every((a) => a.status === 401 || a.status === 403), answers.map((a) => a.status).join());
        const refused = answers.filter((a) => a.status === 403);
        assert.ok(refused.length >= 5, 'every try past the threshold was refused as locked');
        for (const answer of refused) assert.match(answer.text, /locked/);
        // The others were checked and found wrong (the last of them may already show the lock).
        for (const answer of answers.filter((a) => a.status === 401)) assert.match(answer.text, /not right/, 'a 401 is a wrong code');
        const id = await userId('guessed');
        assert.equal((await site.mfa.audit.recent({ userId: id, event: 'factor_failed' })).length, 3);
        const row = await site.database.db('mfa_factor_failures').where({ user_id: id, factor: 'totp' }).first('failures');
        assert.equal(Number(row.failures), 3);
      } finally {
        await site.mfa.settings.set('lockout_threshold', 10, 'test');
      }
    });

    it('accepts a recovery code once when two logins on each instance send it at the same moment', async () => {
      const user = await kit.user('rescued');
      const [code] = await kit.withRecoveryCodes(user);
      const browsers = [site.browser(), b.browser(), site.browser(), b.browser()];
      const tokens = await Promise.all(browsers.map((browser) => atMfa(browser, 'rescued')));
      const release = meetAtFactor([site.mfa, b.mfa], 'recovery_codes', browsers.length);
      const answers = await Promise.all(browsers.map((browser, i) => browser.agent.post('/mfa').type('form').send({ _csrf: tokens[i], factor: 'recovery_codes', code })));
      assert.equal(release(), 4);
      assert.deepEqual(answers.map((a) => a.status).sort(), [303, 401, 401, 401], answers.map((a) => a.status).join());
      for (const loser of answers.filter((a) => a.status === 401)) assert.match(loser.text, /That recovery code was used already/);
    });

    describe('the token door (login/token.php) with MFA on for the app', () => {
      before(() => site.mfa.settings.set('mobile_app_mfa', 'true', 'test'));
      after(() => site.mfa.settings.set('mobile_app_mfa', 'false', 'test'));

      const tokenPhp = (app: Express, params: Record<string, string>) =>
        supertest(app).post('/login/token.php').type('form').send(params);

      it('spends a mailed code and its mfa_token once when both instances finish the login at the same moment', async () => {
        const user = await kit.user('mailed-app');
        await kit.withEmail(user);
        const asked = await tokenPhp(site.app, { username: 'mailed-app', password: TEST_PASSWORD, service: 'moodle_mobile_app', mfa_send: '1' }).expect(200);
        assert.equal(asked.body.mfa_sent, true, asked.text);
        const code = kit.codeInLastMail();
        const before = await kit.tokenCount();
        const release = meetAtFactor([site.mfa, b.mfa], 'email', 4);
        const answers = await Promise.all(
          [0, 1, 2, 3].map((i) => tokenPhp(instance(i), { mfa_token: asked.body.mfa_token, mfa_code: code, mfa_factor: 'email' })),
        );
        assert.equal(release(), 4);
        const winners = answers.filter((a) => typeof a.body.token === 'string');
        assert.equal(winners.length, 1, answers.map((a) => a.text).join('\n'));
        assert.equal(await kit.tokenCount(), before + 1, 'one token stored');
        for (const loser of answers.filter((a) => a.body.token === undefined)) {
          assert.equal(loser.status, 200);
          assert.ok(['invalidmfacode', 'mfatokenexpired'].includes(loser.body.errorcode), loser.text);
          // Why: the code was spent by the winner, or the login (its mfa_token) was.
          if (loser.body.errorcode === 'invalidmfacode') assert.match(loser.body.error, /used already/, loser.text);
        }
      });

      it('issues one token for an mfa_token finished with two different recovery codes on two instances at once', async () => {
        const user = await kit.user('two-codes');
        const [first, second] = await kit.withRecoveryCodes(user);
        const asked = await tokenPhp(site.app, { username: 'two-codes', password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
        assert.equal(asked.body.errorcode, 'mfarequired');
        const before = await kit.tokenCount();
        const release = meetAtFactor([site.mfa, b.mfa], 'recovery_codes', 2);
        const answers = await Promise.all(
          [first, second].map((code, i) => tokenPhp(instance(i), { mfa_token: asked.body.mfa_token, mfa_code: code ?? '', mfa_factor: 'recovery_codes' })),
        );
        assert.equal(release(), 2, 'both codes were checked: each is right');
        assert.equal(answers.filter((a) => typeof a.body.token === 'string').length, 1, answers.map((a) => a.text).join('\n'));
        assert.equal(await kit.tokenCount(), before + 1);
        const loser = answers.find((a) => a.body.token === undefined);
        assert.equal(loser?.body.errorcode, 'mfatokenexpired', 'the loser lost to the spent attempt, not to its code');
      });
    });

    it(
      'gives a copy of the pending cookie, polled on one instance while the owner passes on the other, no session of its own',
      async () => {
        const secret = (await kit.withTotp('promoted'), kit.totpSecret('promoted'));
        site.clock.advance(30_000);
        const owner = site.browser();
        const csrf = await atMfa(owner, 'promoted');
        const copy = owner.sessionCookie() ?? assert.fail('a session cookie');
        // The copy polls on B at the worst moment: the owner's attempt has just passed on A,
        // and A has not yet answered the owner.
        const polls: supertest.Response[] = [];
        const engine = site.mfa.engine;
        const verify = engine.verify.bind(engine);
        engine.verify = async (attemptId: string, factor: string | AnyFactorProviderFactory, input: FactorInput, facts: RequestFacts) => {
          const status = await verify(attemptId, typeof factor === 'string' ? factor : factor.id, input, facts);
          for (let i = 0; i < 3; i++) polls.push(await supertest(b.app).get('/mfa').set('Cookie', copy));
          return status;
        };
        try {
          const passed = await owner.agent.post('/mfa').type('form').send({ _csrf: csrf, factor: 'totp', code: await codeFor(secret, site.clock.time) });
          assert.equal(passed.status, 303, 'the owner passes');
          await owner.agent.get('/my').expect(200);
        } finally {
          engine.verify = verify;
        }
        assert.equal(polls.length, 3);
        // Why each poll lost: the first found the attempt passed (not yet spent by the owner's request) and was sent to
        // the login told so, which ended the pending session; the later ones found no session at all.
        assert.deepEqual(polls.map((poll) => [poll.status, poll.headers.location]), [[303, '/login?notice=expired'], [303, '/login'], [303, '/login']]);
        for (const poll of polls) {
          const minted = sessionCookieSetBy(poll) ?? copy;
          const page = await supertest(b.app).get('/my').set('Cookie', minted);
          assert.notEqual(page.status, 200, `a poll (${poll.status} → ${poll.headers.location}) got a session that opens /my`);
        }
        assert.notEqual((await supertest(b.app).get('/my').set('Cookie', copy)).status, 200, 'the copied pending cookie opens nothing');
      },
    );
  });
}
