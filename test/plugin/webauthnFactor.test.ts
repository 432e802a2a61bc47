import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { checkSignatureCounter, webauthnFactor } from '../../plugin/factors/webauthn/index.ts';
import type { AttemptView, VerifyOutcome } from '../../plugin/spi/factor.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { dataField, storedRecord, storedRecords } from '../support/factorRecords.ts';
import { databaseKinds } from '../support/databases.ts';
import { SoftAuthenticator } from '../support/softAuthenticator.ts';
import { enrolKey } from '../support/webauthnKeys.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { rejectionMessage as rejectsWith } from '../support/rejections.ts';

const facts = { ip: '198.51.100.7', userAgent: 'test' };
const ORIGIN = 'http://localhost'; // MemoryHost.siteOrigin()


describe('checkSignatureCounter (WebAuthn §7.2 step 21)', () => {
  it('accepts a counter that moved forward and 0 after 0, and refuses one that stood still or went back', () => {
    assert.equal(checkSignatureCounter(0, 1), 'advanced');
    assert.equal(checkSignatureCounter(5, 6), 'advanced');
    assert.equal(checkSignatureCounter(0, 0), 'not_counted');
    assert.equal(checkSignatureCounter(5, 5), 'regressed');
    assert.equal(checkSignatureCounter(5, 3), 'regressed');
    assert.equal(checkSignatureCounter(5, 0), 'regressed');
  });
});

for (const kind of databaseKinds) {
  describe(`WebAuthn factor on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    async function provider() {
      return t.mfa.registry.provider(webauthnFactor, await t.mfa.settings.snapshot());
    }

    const enrol = (user: HostUser, key: SoftAuthenticator, label?: string) => enrolKey(t, user, key, label);

    async function openAttempt(user: HostUser): Promise<AttemptView> {
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending', `expected a pending attempt, got ${opened.outcome}`);
      return opened.attempt;
    }

    async function loginOptions(attempt: AttemptView, user: HostUser): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const factor = await provider();
      const challenge = (await factor.challenge?.(attempt, user, {})) ?? assert.fail('the webauthn provider makes challenges');
      return challenge.options;
    }

    async function verify(attempt: AttemptView, user: HostUser, response: unknown): Promise<VerifyOutcome> {
      const factor = await provider();
      assert.ok(factor.verify, 'the webauthn provider verifies');
      return factor.verify(attempt, user, { response });
    }

    async function counterOf(user: HostUser, deviceId: number): Promise<number> {
      const counter = dataField(await storedRecord(t.mfa, 'webauthn', user.id, deviceId), 'counter');
      return typeof counter === 'number' ? counter : -1;
    }

    it('offers login options with only this user’s keys, and keeps the challenge in the attempt until it expires', async () => {
      const user = t.host.addUser('login-options');
      const other = t.host.addUser('login-options-other');
      await enrol(user, new SoftAuthenticator({ origin: ORIGIN }));
      await enrol(user, new SoftAuthenticator({ origin: ORIGIN }));
      await enrol(other, new SoftAuthenticator({ origin: ORIGIN }));
      const attempt = await openAttempt(user);
      const challenge = await t.mfa.engine.challenge(attempt.id, webauthnFactor, {});
      const mine = (await storedRecords(t.mfa, 'webauthn', user.id)).map((r) => r.key);
      assert.deepEqual(challenge.options.allowCredentials?.map((c) => c.id), mine);
      assert.equal(challenge.options.rpId, 'localhost');
      assert.equal(challenge.options.userVerification, 'preferred');
      assert.equal(challenge.options.timeout, 60_000);
      assert.ok(Buffer.from(challenge.options.challenge, 'base64url').length >= 32, 'a challenge of at least 32 random bytes (§13.4.3: at least 16)');
      const kept = await t.database.db('mfa_attempt_factors').where({ attempt_id: attempt.id, factor: 'webauthn' }).first('data');
      assert.deepEqual(JSON.parse(String(kept.data)), { challenge: challenge.options.challenge, expiresAt: t.clock.time + 60_000 });
    });

    it('passes an attempt with a genuine assertion, and moves the counter and last use forward', async () => {
      const user = t.host.addUser('login-pass');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const deviceId = await enrol(user, key);
      const attempt = await openAttempt(user);
      const challenge = await t.mfa.engine.challenge(attempt.id, webauthnFactor, {});
      t.clock.advance(5_000);
      const response = key.assert(challenge.options);
      const status = await t.mfa.engine.verify(attempt.id, 'webauthn', { response: JSON.stringify(response) }, facts);
      assert.equal(status.outcome, 'passed');
      const record = await storedRecord(t.mfa, 'webauthn', user.id, deviceId);
      assert.equal(dataField(record, 'counter'), 1);
      assert.equal(record?.lastUsedAt, t.clock.time);
    });

    it('refuses the same assertion posted twice, and an assertion made for another attempt', async () => {
      const user = t.host.addUser('login-replay');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      await enrol(user, key);
      const attempt = await openAttempt(user);
      const response = key.assert(await loginOptions(attempt, user));
      const [first, second] = await Promise.all([verify(attempt, user, response), verify(attempt, user, response)]);
      assert.deepEqual([first.verified, second.verified].sort(), [false, true]);
      const loser = first.verified ? second : first;
      assert.ok(!loser.verified && loser.reason === 'replayed', `the loser found the challenge taken: ${JSON.stringify(loser)}`);
      const again = await verify(attempt, user, response);
      assert.ok(!again.verified && again.reason === 'replayed', JSON.stringify(again));
      const next = await openAttempt(user);
      await loginOptions(next, user);
      const elsewhere = await verify(next, user, response);
      assert.ok(!elsewhere.verified && elsewhere.reason === 'invalid', JSON.stringify(elsewhere));
    });

    it('lets only one of two parallel posts of one assertion through, even from a key that keeps no counter', async () => {
      // Without a counter, taking the challenge atomically is the only thing that stops the second post.
      const user = t.host.addUser('login-race');
      const key = new SoftAuthenticator({ origin: ORIGIN, countsSignatures: false });
      await enrol(user, key);
      const attempt = await openAttempt(user);
      const response = key.assert(await loginOptions(attempt, user));
      const outcomes = await Promise.all([1, 2, 3].map(() => verify(attempt, user, response)));
      assert.deepEqual(outcomes.map((o) => o.verified).sort(), [false, false, true]);
      for (const loser of outcomes.filter((o) => !o.verified)) assert.ok(!loser.verified && loser.reason === 'replayed', `each loser found the challenge taken: ${JSON.stringify(loser)}`);
    });

    it('refuses a bogus signature, a wrong origin or RP ID, a missing user presence, and an expired challenge', async () => {
      const user = t.host.addUser('login-bogus');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const deviceId = await enrol(user, key);
      const attempt = await openAttempt(user);
      const cases: Array<[string, (options: PublicKeyCredentialRequestOptionsJSON) => unknown]> = [
        ['bogus signature', (o) => {
          const r = key.assert(o);
          const signature = Buffer.from(r.response.signature, 'base64url');
          signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0xff;
          return { ...r, response: { ...r.response, signature: signature.toString('base64url') } };
        }],
        ['wrong origin', (o) => key.assert(o, { origin: 'http://evil.test' })],
        ['wrong RP ID', (o) => key.assert(o, { rpId: 'evil.test' })],
        ['no user presence', (o) => key.assert(o, { userPresent: false })],
        ['another user handle', (o) => key.assert(o, { userHandle: Buffer.from('someone else').toString('base64url') })],
        ['malformed', () => ({ id: 'x' })],
      ];
      for (const [name, make] of cases) {
        const outcome = await verify(attempt, user, make(await loginOptions(attempt, user)));
        assert.ok(!outcome.verified && outcome.reason === 'invalid', `${name}: ${JSON.stringify(outcome)}`);
      }
      const stale = await loginOptions(attempt, user);
      t.clock.advance(60_000);
      const expired = await verify(attempt, user, key.assert(stale));
      assert.ok(!expired.verified && expired.reason === 'expired', JSON.stringify(expired));
      const unasked = await verify(attempt, user, key.assert(stale));
      assert.ok(!unasked.verified, 'an assertion without a challenge on file is refused');
      assert.equal(await counterOf(user, deviceId), 0, 'no refused assertion moved the counter');
      await rejectsWith(verify(attempt, user, undefined), 'INVALID_INPUT');
    });

    it('refuses another user’s key and a key it does not know, even with a valid signature', async () => {
      const alice = t.host.addUser('login-alice');
      const bob = t.host.addUser('login-bob');
      await enrol(alice, new SoftAuthenticator({ origin: ORIGIN }));
      const bobsKey = new SoftAuthenticator({ origin: ORIGIN });
      await enrol(bob, bobsKey);
      const attempt = await openAttempt(alice);
      const options = await loginOptions(attempt, alice);
      const [bobsCredential] = [...bobsKey.credentials.keys()];
      const borrowed = await verify(attempt, alice, bobsKey.assert(options, { credentialId: bobsCredential }));
      assert.ok(!borrowed.verified && borrowed.reason === 'invalid', JSON.stringify(borrowed));
      const stranger = new SoftAuthenticator({ origin: ORIGIN });
      // A key that went through registration options but was never confirmed: not on file.
      const abandoned = await t.mfa.enrolment.beginSetup(alice, webauthnFactor, {});
      stranger.register(abandoned.options);
      const unknown = await verify(attempt, alice, stranger.assert(await loginOptions(attempt, alice), { credentialId: [...stranger.credentials.keys()][0] }));
      assert.ok(!unknown.verified && unknown.reason === 'invalid', JSON.stringify(unknown));
    });

    it('requires user verification only when the setting says required', async () => {
      const user = t.host.addUser('login-uv');
      const key = new SoftAuthenticator({ origin: ORIGIN, userVerified: false });
      await enrol(user, key);
      const attempt = await openAttempt(user);
      await t.mfa.settings.set('factor.webauthn.user_verification', 'required', 'test');
      try {
        const refused = await verify(attempt, user, key.assert(await loginOptions(attempt, user)));
        assert.ok(!refused.verified && refused.reason === 'invalid', JSON.stringify(refused));
      } finally {
        await t.mfa.settings.set('factor.webauthn.user_verification', 'preferred', 'test');
      }
      const accepted = await verify(attempt, user, key.assert(await loginOptions(attempt, user)));
      assert.equal(accepted.verified, true);
    });

    it('refuses a signature counter that goes backwards and writes it to the audit log, but lets 0 follow 0', async () => {
      const user = t.host.addUser('login-counter');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const deviceId = await enrol(user, key);
      const attempt = await openAttempt(user);
      assert.equal((await verify(attempt, user, key.assert(await loginOptions(attempt, user), { counter: 5 }))).verified, true);
      const cloned = await verify(attempt, user, key.assert(await loginOptions(attempt, user), { counter: 3 }));
      assert.ok(!cloned.verified && cloned.reason === 'invalid', JSON.stringify(cloned));
      assert.equal(await counterOf(user, deviceId), 5);
      const [event] = await t.mfa.audit.recent({ userId: user.id, event: 'webauthn_counter_regressed' });
      assert.deepEqual(event?.detail, { deviceId, storedCounter: 5, receivedCounter: 3 });

      const counterless = t.host.addUser('login-counterless');
      const plain = new SoftAuthenticator({ origin: ORIGIN, countsSignatures: false });
      await enrol(counterless, plain);
      const second = await openAttempt(counterless);
      assert.equal((await verify(second, counterless, plain.assert(await loginOptions(second, counterless)))).verified, true);
      assert.equal((await verify(second, counterless, plain.assert(await loginOptions(second, counterless)))).verified, true);
      assert.equal((await t.mfa.audit.recent({ userId: counterless.id, event: 'webauthn_counter_regressed' })).length, 0);
    });

    it('counts a refused assertion toward the lockout like any wrong answer', async () => {
      const user = t.host.addUser('login-lockout');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      await enrol(user, key);
      const attempt = await openAttempt(user);
      const challenge = await t.mfa.engine.challenge(attempt.id, webauthnFactor, {});
      const message = await rejectsWith(t.mfa.engine.verify(attempt.id, 'webauthn', { response: key.assert(challenge.options, { origin: 'http://evil.test' }) }, facts), 'INVALID_CODE');
      assert.match(message, /not one registered to your account.*9 tries left/);
      const [failed] = await t.mfa.audit.recent({ userId: user.id, event: 'factor_failed' });
      assert.equal(failed?.factor, 'webauthn');
    });
  });
}
