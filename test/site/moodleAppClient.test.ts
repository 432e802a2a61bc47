import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { findUserByUsername } from '../../adapters/lms/users.ts';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import type { EmailCodeSent } from '../../plugin/factors/email/index.ts';
import type { RecoveryCodesSetup } from '../../plugin/factors/recovery-codes/index.ts';
import type { TotpSetup } from '../../plugin/factors/totp/index.ts';
import type { WebauthnSetup } from '../../plugin/factors/webauthn/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { SoftAuthenticator } from '../support/softAuthenticator.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

type Params = Record<string, string | string[]>;

/**
 * What the Moodle mobile app does at login/token.php: form-encoded POST (or GET with a
 * query string), reading `token` or Moodle's error body. Nothing else: no cookies.
 */
class MoodleAppClient {
  constructor(
    private readonly site: TestSite,
    readonly method: 'GET' | 'POST',
  ) {}

  call(params: Params): Promise<supertest.Response> {
    const app = supertest(this.site.app);
    const request = this.method === 'POST' ? app.post('/login/token.php').type('form').send(params) : app.get('/login/token.php').query(params);
    return request.set('User-Agent', 'MoodleMobile 4.5.0').then((res) => res);
  }

  login(username: string, extra: Params = {}) {
    return this.call({ username, password: TEST_PASSWORD, service: 'moodle_mobile_app', ...extra });
  }
}

/** Moodle's error body, with the error code expected. */
function assertMoodleError(res: supertest.Response, status: number, errorcode: string): void {
  assert.equal(res.status, status, `${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.body.errorcode, errorcode, res.text.slice(0, 300));
  assert.equal(typeof res.body.error, 'string');
  for (const key of ['stacktrace', 'debuginfo', 'reproductionlink']) assert.equal(res.body[key], null);
  assert.equal(res.body.token, undefined);
}

for (const kind of databaseKinds) {
  describe(`a Moodle app client at login/token.php on ${kind}`, () => {
    let site: TestSite;
    const secrets = new Map<string, string>();
    before(async () => {
      site = await createTestSite(kind);
      await site.mfa.settings.set('lockout_threshold', '3', 'admin');
    });
    after(() => site.close());

    async function user(username: string): Promise<HostUser> {
      await site.addUser(username);
      const found = await findUserByUsername(site.database.db, username);
      assert.ok(found);
      return found;
    }
    async function withTotp(username: string): Promise<HostUser> {
      const u = await user(username);
      const setup = (await site.mfa.enrolment.beginSetup(u, 'totp', {})) as TotpSetup;
      await site.mfa.enrolment.confirmSetup(u, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: username, ip: null });
      secrets.set(username, setup.secret);
      return u;
    }
    /** The code of the next time step: each code works once, and the set-up spent the current one. */
    async function nextTotp(username: string): Promise<string> {
      site.clock.advance(30_000);
      return codeFor(secrets.get(username) ?? '', site.clock.time);
    }
    function codeInLastMail(): string {
      const code = /^ {4}(\d{6})$/m.exec(site.mail.at(-1)?.text ?? '')?.[1];
      assert.ok(code, 'the newest mail shows a code');
      return code;
    }
    async function withEmail(u: HostUser): Promise<void> {
      const sent = (await site.mfa.enrolment.beginSetup(u, 'email', {})) as EmailCodeSent;
      await site.mfa.enrolment.confirmSetup(u, 'email', { setupId: sent.setupId, code: codeInLastMail() }, { actor: u.username, ip: null });
    }
    async function withRecoveryCodes(u: HostUser): Promise<string[]> {
      const setup = (await site.mfa.enrolment.beginSetup(u, 'recovery_codes', {})) as RecoveryCodesSetup;
      await site.mfa.enrolment.confirmSetup(u, 'recovery_codes', { setupId: setup.setupId }, { actor: u.username, ip: null });
      return setup.codes;
    }
    async function withSecurityKey(u: HostUser): Promise<void> {
      const setup = (await site.mfa.enrolment.beginSetup(u, 'webauthn', { label: 'Key' })) as WebauthnSetup;
      const response = new SoftAuthenticator({ origin: 'http://localhost' }).register(setup.options);
      await site.mfa.enrolment.confirmSetup(u, 'webauthn', { setupId: setup.setupId, response }, { actor: u.username, ip: null });
    }
    async function assertStoredToken(res: supertest.Response, u: HostUser): Promise<void> {
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.deepEqual(Object.keys(res.body).sort(), ['privatetoken', 'token']);
      const row = await site.database.db('lms_external_tokens').where({ token_hash: hashToken(res.body.token) }).first('user_id', 'private_token_hash');
      assert.ok(row, 'the host stored the token');
      assert.equal(String(row.user_id), u.id);
      assert.equal(row.private_token_hash, hashToken(res.body.privatetoken));
    }
    /**
     * Makes the next `count` verifications of `factorId` wait for one another at the factor
     * (after the engine has loaded the attempt), so parallel calls meet where a race would.
     * Returns a release that stops holding and says how many arrived.
     */
    function holdFactorVerify(factorId: string, count: number): () => number {
      const registry = site.mfa.registry;
      const provider = registry.provider.bind(registry);
      let arrived = 0;
      let open!: () => void;
      const together = new Promise<void>((resolve) => {
        open = resolve;
        setTimeout(resolve, 5_000).unref();
      });
      registry.provider = (factory, settings) => {
        const made = provider(factory, settings);
        const verify = made.verify?.bind(made);
        if (factory.id !== factorId || !verify) return made;
        made.verify = async (attempt, user, input) => {
          if (++arrived >= count) open();
          await together;
          return verify(attempt, user, input);
        };
        return made;
      };
      return () => {
        registry.provider = provider;
        open();
        return arrived;
      };
    }
    const tokenCount = async () => Number((await site.database.db('lms_external_tokens').count({ n: '*' }).first())?.n ?? 0);

    for (const method of ['POST', 'GET'] as const) {
      it(`${method}: toggle off, a user with TOTP gets a token after the password, as before`, async () => {
        await site.mfa.settings.set('mobile_app_mfa', 'false', 'admin');
        const u = await withTotp(`off-${method.toLowerCase()}`);
        await assertStoredToken(await new MoodleAppClient(site, method).login(u.username), u);
      });

      it(`${method}: toggle on, a user with nothing set up still gets a token`, async () => {
        await site.mfa.settings.set('mobile_app_mfa', 'true', 'admin');
        const u = await user(`plain-${method.toLowerCase()}`);
        await assertStoredToken(await new MoodleAppClient(site, method).login(u.username), u);
      });

      it(`${method}: toggle on, TOTP: mfarequired with mfa_token and mfa_factors, then the code alone gives a stored token`, async () => {
        const app = new MoodleAppClient(site, method);
        const u = await withTotp(`totp-${method.toLowerCase()}`);
        const first = await app.login(u.username);
        assertMoodleError(first, 401, 'mfarequired');
        assert.equal(first.body.error, 'Multi-factor authentication is required for this service');
        assert.match(first.body.mfa_token, /^[\w-]{40,}$/);
        assert.deepEqual(first.body.mfa_factors, ['totp']);
        const attempt = await site.database.db('mfa_attempts').where({ handle_hash: hashToken(first.body.mfa_token) }).first('service', 'door');
        assert.deepEqual({ ...attempt }, { service: 'moodle_mobile_app', door: 'token' });
        await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) }), u);
      });
    }

    it('takes the code with the first call and issues the token at once', async () => {
      const u = await withTotp('oneshot');
      await assertStoredToken(await new MoodleAppClient(site, 'POST').login(u.username, { mfa_code: await nextTotp(u.username), mfa_factor: 'totp' }), u);
    });

    it('sends an email code on mfa_send=1 (an answer no app takes for a token), limits resends with 429, and takes the mailed code', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await user('mailer');
      await withEmail(u);
      const first = await app.login(u.username);
      assertMoodleError(first, 401, 'mfarequired');
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
      const code = codeInLastMail();
      const again = await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_send: '1' });
      assertMoodleError(again, 429, 'mfasendlimit');
      assert.equal(again.headers['retry-after'], '60');
      assert.equal(again.body.mfa_retry_after, 60);
      assert.equal(site.mail.length, mailsBefore + 1, 'the early resend mailed nothing');
      await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: code }), u);
      // mfa_send also works on the first call, with the password.
      site.clock.advance(60_000);
      const direct = await app.login(u.username, { mfa_factor: 'email', mfa_send: '1' });
      assert.equal(direct.status, 200, direct.text);
      assert.equal(direct.body.mfa_sent, true);
      await assertStoredToken(await app.call({ mfa_token: direct.body.mfa_token, mfa_code: codeInLastMail() }), u);
    });

    it('takes a recovery code, which mails the owner and is audited as at the web door', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('rescued');
      const codes = await withRecoveryCodes(u);
      const first = await app.login(u.username);
      assert.deepEqual(first.body.mfa_factors, ['totp', 'recovery_codes']);
      await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'recovery_codes', mfa_code: codes[0] ?? '' }), u);
      assert.equal(site.mail.at(-1)?.subject, 'A recovery code was used on Test LMS');
      const [audit] = await site.mfa.audit.recent({ userId: u.id, event: 'recovery_code_used' });
      assert.equal(audit?.door, 'token');
    });

    it('leaves WebAuthn out: it needs a browser', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const both = await withTotp('keyandapp');
      await withSecurityKey(both);
      const first = await app.login(both.username);
      assert.deepEqual(first.body.mfa_factors, ['totp']);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_factor: 'webauthn', mfa_code: '123456' }), 400, 'mfafactorunavailable');
      const keyOnly = await user('keyonly');
      await withSecurityKey(keyOnly);
      const refused = await app.login(keyOnly.username);
      assertMoodleError(refused, 401, 'mfarequired');
      assert.deepEqual(refused.body.mfa_factors, []);
      assert.equal(refused.body.mfa_token, undefined, 'no token for an attempt the app cannot finish');
    });

    it('answers a wrong code with invalidmfacode, tries left, and the same mfa_token to try again', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('typo');
      const first = await app.login(u.username);
      const code = await nextTotp(u.username);
      const wrong = await app.call({ mfa_token: first.body.mfa_token, mfa_code: code === '000000' ? '111111' : '000000' });
      assertMoodleError(wrong, 401, 'invalidmfacode');
      assert.match(wrong.body.error, /2 tries left/);
      assert.equal(wrong.body.mfa_tries_left, 2);
      assert.equal(wrong.body.mfa_token, first.body.mfa_token);
      assert.deepEqual(wrong.body.mfa_factors, ['totp']);
      await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: code }), u);
    });

    it('locks TOTP after the threshold at token.php, and the web door says locked', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('guesser');
      const first = await app.login(u.username);
      const bad = (await nextTotp(u.username)) === '000000' ? '111111' : '000000';
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 401, 'invalidmfacode');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 401, 'invalidmfacode');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 403, 'mfalocked');
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) }), 403, 'mfalocked');
      assertMoodleError(await app.login(u.username), 403, 'mfalocked');
      const browser = site.browser();
      await browser.login(u.username);
      const page = await browser.agent.get('/mfa');
      assert.equal(page.status, 403);
      assert.match(page.text, /locked/);
    });

    it('counts wrong codes at the web door toward the lock at token.php', async () => {
      const u = await withTotp('webguesser');
      const bad = (await nextTotp(u.username)) === '000000' ? '111111' : '000000';
      const browser = site.browser();
      await browser.login(u.username);
      let page = await browser.agent.get('/mfa').expect(200);
      for (let i = 0; i < 2; i++) {
        page = await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: bad });
        assert.equal(page.status, 401);
      }
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login(u.username);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: bad }), 403, 'mfalocked');
    });

    it('refuses a used mfa_token, an unknown one, and an expired one with mfatokenexpired', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('reuser');
      const first = await app.login(u.username);
      await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) }), u);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) }), 401, 'mfatokenexpired');
      assertMoodleError(await app.call({ mfa_token: 'no-such-token', mfa_code: '123456' }), 401, 'mfatokenexpired');
      const late = await app.login(u.username);
      site.clock.advance(10 * 60_000 + 1);
      assertMoodleError(await app.call({ mfa_token: late.body.mfa_token, mfa_code: await codeFor(secrets.get(u.username) ?? '', site.clock.time) }), 401, 'mfatokenexpired');
    });

    it('issues exactly one token for two parallel calls with the same mfa_token and a valid code', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('twins');
      const codes = await withRecoveryCodes(u);
      const race = async (codeA: Params, codeB: Params) => {
        const first = await app.login(u.username);
        const before = await tokenCount();
        const answers = await Promise.all([app.call({ mfa_token: first.body.mfa_token, ...codeA }), app.call({ mfa_token: first.body.mfa_token, ...codeB })]);
        const texts = answers.map((r) => r.text).join(' | ');
        assert.deepEqual(answers.map((r) => r.status).sort(), [200, 401], texts);
        // The loser is told its mfa_token is spent (or its code was): never "MFA required" again.
        assert.ok(answers.some((r) => ['mfatokenexpired', 'invalidmfacode'].includes(r.body.errorcode)), texts);
        assert.equal(await tokenCount(), before + 1);
      };
      const code = await nextTotp(u.username);
      await race({ mfa_code: code }, { mfa_code: code });
      // Two different recovery codes both pass their factor's own single-use check. Held at
      // the factor until both calls are there (both have found the attempt pending), only
      // spending the attempt (engine.consume) keeps it to one token.
      const release = holdFactorVerify('recovery_codes', 2);
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
        const winner = app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) });
        await atConsume;
        assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_code: await nextTotp(u.username) }), 401, 'mfatokenexpired');
        letGo();
        await assertStoredToken(await winner, u);
      } finally {
        engine.consume = consume;
        letGo();
      }
    });

    it('answers bad input with a 4xx and Moodle’s body, counting nothing', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await withTotp('odd');
      await withEmail(u);
      const first = await app.login(u.username);
      const mfa_token: string = first.body.mfa_token;
      assertMoodleError(await app.call({ mfa_token: [mfa_token, mfa_token], mfa_code: '123456' }), 400, 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_code: ['123456', '654321'] }), 400, 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_factor: ['totp', 'email'], mfa_code: '123456' }), 400, 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token }), 400, 'missingparam');
      assertMoodleError(await app.call({ mfa_token, mfa_code: '123456', mfa_factor: 'sms' }), 400, 'mfafactorunavailable');
      assertMoodleError(await app.call({ mfa_token, mfa_code: '123456', mfa_factor: 'webauthn' }), 400, 'mfafactorunavailable');
      assertMoodleError(await app.call({ mfa_token, mfa_send: 'maybe' }), 400, 'invalidparameter');
      assertMoodleError(await app.call({ mfa_token, mfa_send: '1', mfa_code: '123456' }), 400, 'invalidparameter');
      assertMoodleError(await app.login(u.username, { mfa_code: ['1', '2'] }), 400, 'invalidparameter');
      const failures = await site.database.db('mfa_factor_failures').where({ user_id: u.id }).sum({ n: 'failures' }).first();
      assert.equal(Number(failures?.n ?? 0), 0, 'no try was counted');
      await assertStoredToken(await app.call({ mfa_token, mfa_code: await nextTotp(u.username) }), u);
    });

    it('asks for mfa_factor with a clear 400 when the user has several and no TOTP', async () => {
      const app = new MoodleAppClient(site, 'POST');
      const u = await user('several');
      await withEmail(u);
      const codes = await withRecoveryCodes(u);
      const first = await app.login(u.username);
      assert.deepEqual(first.body.mfa_factors, ['email', 'recovery_codes']);
      const ask = await app.call({ mfa_token: first.body.mfa_token, mfa_code: codes[1] ?? '' });
      assertMoodleError(ask, 400, 'mfafactorrequired');
      assert.match(ask.body.error, /mfa_factor.*email, recovery_codes/);
      await assertStoredToken(await app.call({ mfa_token: first.body.mfa_token, mfa_code: codes[1] ?? '', mfa_factor: 'recovery_codes' }), u);
    });
  });
}
