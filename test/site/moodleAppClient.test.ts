import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit, assertMoodleError, MoodleAppClient, type AppParams } from '../support/moodleApp.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`a Moodle app client at login/token.php on ${kind}`, () => {
    let site: TestSite;
    let kit: AppTestKit;
    before(async () => {
      // https, as the Moodle app's sites are: token.php sends the private token only there.
      site = await createTestSite(kind, { hostOrigin: 'https://lms.example.test' });
      kit = new AppTestKit(site);
      await site.mfa.settings.set('lockout_threshold', '3', 'admin');
    });
    after(() => site.close());

    for (const method of ['POST', 'GET'] as const) {
      it(`${method}: toggle off, a user with TOTP gets a token after the password, as before`, async () => {
        await site.mfa.settings.set('mobile_app_mfa', 'false', 'admin');
        const u = await kit.withTotp(`off-${method.toLowerCase()}`);
        await kit.assertStoredToken(await new MoodleAppClient(site, method).login(u.username), u);
      });

      it(`${method}: toggle on, a user with nothing set up still gets a token`, async () => {
        await site.mfa.settings.set('mobile_app_mfa', 'true', 'admin');
        const u = await kit.user(`plain-${method.toLowerCase()}`);
        await kit.assertStoredToken(await new MoodleAppClient(site, method).login(u.username), u);
      });

      it(`${method}: toggle on, TOTP: mfarequired with mfa_token and mfa_factors, then the code alone gives a stored token`, async () => {
        const app = new MoodleAppClient(site, method);
        const u = await kit.withTotp(`totp-${method.toLowerCase()}`);
        const first = await app.login(u.username);
        assertMoodleError(first, 'mfarequired');
        assert.equal(first.body.error, 'Multi-factor authentication is required for this service');
        assert.match(first.body.mfa_token, /^[\w-]{40,}$/);
        assert.deepEqual(first.body.mfa_factors, ['totp']);
        const attempt = await site.database.db('mfa_attempts').where({ handle_hash: hashToken(first.body.mfa_token) }).first('service', 'door');
        assert.deepEqual({ ...attempt }, { service: 'moodle_mobile_app', door: 'token' });
        await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) }), u);
      });
    }

    it('takes the code with the first call and issues the token at once', async () => {
      const u = await kit.withTotp('oneshot');
      await kit.assertStoredToken(await new MoodleAppClient(site, 'POST').login(u.username, { mfa_code: await kit.nextTotp(u.username), mfa_factor: 'totp' }), u);
    });

    it('sends an email code on mfa_send=1 (an answer no app takes for a token), limits resends with 429, and takes the mailed code', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.user('mailer');
      await kit.withEmail(u);
      const first = await app.login(u.username);
      assertMoodleError(first, 'mfarequired');
      assert.deepEqual(first.body.mfa_factors, ['email']);
      const mailsBefore = site.mail.length;
      const sent = await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_send: '1' });
      assert.equal(sent.status, 200, sent.text);
      assert.equal(sent.body.mfa_sent, true);
      assert.equal(sent.body.token, undefined);
      assert.equal(sent.body.mfa_token, first.body.mfa_token);
      assert.match(sent.body.message, /m\*\*\*@example\.test/);
      assert.equal(site.mail.length, mailsBefore + 1);
      assert.equal(site.mail.at(-1)?.to, 'mailer@example.test');
      const code = kit.codeInLastMail();
      const again = await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_send: '1' });
      assertMoodleError(again, 'mfasendlimit');
      assert.equal(again.headers['retry-after'], '60');
      assert.equal(again.body.mfa_retry_after, 60);
      assert.equal(site.mail.length, mailsBefore + 1, 'the early resend mailed nothing');
      await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: code }), u);
      // mfa_send also works on the first call, with the password.
      site.clock.advance(60_000);
      const direct = await app.login(u.username, { mfa_factor: 'email', mfa_send: '1' });
      assert.equal(direct.status, 200, direct.text);
      assert.equal(direct.body.mfa_sent, true);
      await kit.assertStoredToken(await app.call({ mfa_token: direct.body.mfa_token, mfa_code: kit.codeInLastMail() }), u);
    });

    it('takes a recovery code, which mails the owner and is audited as at the web door', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('rescued');
      const codes = await kit.withRecoveryCodes(u);
      const first = await app.login(u.username);
      assert.deepEqual(first.body.mfa_factors, ['totp', 'recovery_codes']);
      await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'recovery_codes', mfa_code: codes[0] ?? '' }), u);
      assert.equal(site.mail.at(-1)?.subject, 'A recovery code was used on Test LMS');
      const [audit] = await site.mfa.audit.recent({ userId: u.id, event: 'recovery_code_used' });
      assert.equal(audit?.door, 'token');
    });

    it('leaves WebAuthn out: it needs a browser', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const both = await kit.withTotp('keyandapp');
      await kit.withSecurityKey(both);
      const first = await app.login(both.username);
      assert.deepEqual(first.body.mfa_factors, ['totp']);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'webauthn', mfa_code: '123456' }), 'mfafactorunavailable');
      const keyOnly = await kit.user('keyonly');
      await kit.withSecurityKey(keyOnly);
      const refused = await app.login(keyOnly.username);
      assertMoodleError(refused, 'mfarequired');
      assert.deepEqual(refused.body.mfa_factors, []);
      assert.equal(refused.body.mfa_token, undefined, 'no token for an attempt the app cannot finish');
    });

    it('answers a wrong code with invalidmfacode, tries left, and the same mfa_token to try again', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('typo');
      const first = await app.login(u.username);
      const code = await kit.nextTotp(u.username);
      const wrong = await app.call({ mfa_token: first.body.mfa_token, mfa_code: code === '000000' ? '111111' : '000000' });
      assertMoodleError(wrong, 'invalidmfacode');
      assert.match(wrong.body.error, /2 tries left/);
      assert.equal(wrong.body.mfa_tries_left, 2);
      assert.equal(wrong.body.mfa_token, first.body.mfa_token);
      assert.deepEqual(wrong.body.mfa_factors, ['totp']);
      await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: code }), u);
    });

    it('locks TOTP after the threshold at token.php, and the web door says locked', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('guesser');
      const first = await app.login(u.username);
      const bad = (await kit.nextTotp(u.username)) === '000000' ? '111111' : '000000';
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 'invalidmfacode');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 'invalidmfacode');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 'mfalocked');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) }), 'mfalocked');
      assertMoodleError(await app.login(u.username), 'mfalocked');
      const browser = site.browser();
      await browser.login(u.username);
      const page = await browser.agent.get('/mfa');
      assert.equal(page.status, 403);
      assert.match(page.text, /locked/);
    });

    it('counts wrong codes at the web door toward the lock at token.php', async () => {
      const u = await kit.withTotp('webguesser');
      const bad = (await kit.nextTotp(u.username)) === '000000' ? '111111' : '000000';
      const browser = site.browser();
      await browser.login(u.username);
      let page = await browser.agent.get('/mfa').expect(200);
      for (let i = 0; i < 2; i++) {
        page = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: bad });
        assert.equal(page.status, 401);
      }
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login(u.username);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 'mfalocked');
    });

    it('refuses a used mfa_token, an unknown one, and an expired one with mfatokenexpired', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('reuser');
      const first = await app.login(u.username);
      await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) }), u);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) }), 'mfatokenexpired');
      assertMoodleError(await app.call({ mfa_token: 'no-such-token', mfa_code: '123456' }), 'mfatokenexpired');
      const late = await app.login(u.username);
      site.clock.advance(10 * 60_000 + 1);
      assertMoodleError(await app.call({ mfa_token: late.body.mfa_token, mfa_code: await codeFor(kit.totpSecret(u.username), site.clock.time) }), 'mfatokenexpired');
    });

    it('issues exactly one token for two parallel calls with the same mfa_token and a valid code', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('twins');
      const codes = await kit.withRecoveryCodes(u);
      const race = async (codeA: AppParams, codeB: AppParams) => {
        const first = await app.login(u.username);
        const before = await kit.tokenCount();
        const answers = await Promise.all([app.call({ mfa_token: first.body.mfa_token, ...codeA }), app.call({ mfa_token: first.body.mfa_token, ...codeB })]);
        const texts = answers.map((r) => r.text).join(' | ');
        assert.deepEqual(answers.map((r) => r.status), [200, 200], texts);
        assert.equal(answers.filter((r) => typeof r.body.token === 'string').length, 1, texts);
        // The loser is told its mfa_token is spent (or its code was): never "MFA required" again.
        assert.ok(answers.some((r) => ['mfatokenexpired', 'invalidmfacode'].includes(r.body.errorcode)), texts);
        assert.equal(await kit.tokenCount(), before + 1);
      };
      const code = await kit.nextTotp(u.username);
      await race({ mfa_code: code }, { mfa_code: code });
      // Two different recovery codes both pass their factor's own single-use check. Held at
      // the factor until both calls are there (both have found the attempt pending), only
      // spending the attempt (engine.consume) keeps it to one token.
      const release = kit.holdFactorVerify('recovery_codes', 2);
      try {
        const pair = { mfa_factor: 'recovery_codes' };
        await race({ ...pair, mfa_code: codes[0] ?? '' }, { ...pair, mfa_code: codes[1] ?? '' });
        assert.equal(release(), 2, 'both calls reached the factor');
      } finally {
        release();
      }
      // A call that finds the attempt passed by another, not yet spent, is told it is spent.
      const engine = site.mfa.engine;
      const consume = engine.consume.bind(engine);
      let reachedConsume!: () => void;
      const atConsume = new Promise<void>((resolve) => (reachedConsume = resolve));
      let letGo!: () => void;
      const gate = new Promise<void>((resolve) => (letGo = resolve));
      engine.consume = async (attemptId) => {
        reachedConsume();
        await gate;
        return consume(attemptId);
      };
      try {
        const first = await app.login(u.username);
        const winner = app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) });
        await atConsume;
        assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await kit.nextTotp(u.username) }), 'mfatokenexpired');
        letGo();
        await kit.assertStoredToken(await winner, u);
      } finally {
        engine.consume = consume;
        letGo();
      }
    });

    it('answers bad input with a 4xx and Moodle’s body, counting nothing', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.withTotp('odd');
      await kit.withEmail(u);
      const first = await app.login(u.username);
      const mfa_token: string = first.body.mfa_token;
      assertMoodleError(await app.call({ mfa_token: [mfa_token, mfa_token], mfa_code: '123456' }), 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_code: ['123456', '654321'] }), 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_factor: ['totp', 'email'], mfa_code: '123456' }), 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token }), 'missingparam');
      assertMoodleError(await app.call({ mfa_token, mfa_code: '123456', mfa_factor: 'sms' }), 'mfafactorunavailable');
      assertMoodleError(await app.call({ mfa_token, mfa_code: '123456', mfa_factor: 'webauthn' }), 'mfafactorunavailable');
      assertMoodleError(await app.call({ mfa_token, mfa_send: 'maybe' }), 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_send: '1', mfa_code: '123456' }), 'invalidparameter');
      assertMoodleError(await app.login(u.username, { mfa_code: ['1', '2'] }), 'invalidparameter');
      const failures = await site.database.db('mfa_factor_failures').where({ user_id: u.id }).sum({ n: 'failures' }).first();
      assert.equal(Number(failures?.n ?? 0), 0, 'no try was counted');
      await kit.assertStoredToken(await app.call({ mfa_token, mfa_code: await kit.nextTotp(u.username) }), u);
    });

    it('asks for mfa_factor with a clear 400 when the user has several and no TOTP', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await kit.user('several');
      await kit.withEmail(u);
      const codes = await kit.withRecoveryCodes(u);
      const first = await app.login(u.username);
      assert.deepEqual(first.body.mfa_factors, ['email', 'recovery_codes']);
      const ask = await app.call({ mfa_token: first.body.mfa_token, mfa_code: codes[1] ?? '' });
      assertMoodleError(ask, 'mfafactorrequired');
      assert.match(ask.body.error, /mfa_factor.*email, recovery_codes/);
      await kit.assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: codes[1] ?? '', mfa_factor: 'recovery_codes' }), u);
    });
  });
}
