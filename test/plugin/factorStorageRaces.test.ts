import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { emailFactor } from '../../plugin/factors/email/index.ts';
import type { RecoveryCodesSetup } from '../../plugin/factors/recovery-codes/index.ts';
import { recoveryCodesFactor } from '../../plugin/factors/recovery-codes/index.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { webauthnFactor, type WebauthnLoginChallenge } from '../../plugin/factors/webauthn/index.ts';
import type { AnyFactorProviderFactory, AttemptView, FactorContext, VerifyOutcome } from '../../plugin/spi/factor.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { enrolEmail, facts, pendingAttempt, sendLoginCode } from '../support/emailSteps.ts';
import { SoftAuthenticator } from '../support/softAuthenticator.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';
import { enrolKey } from '../support/webauthnKeys.ts';

/**
 * Two requests carrying one answer, made to read the same state before either writes
 * (a barrier after the read both make), on each database: the engine's compare-and-swap
 * lets one through, and the other is told why it lost ("used already"), not "wrong".
 */

/** Resolves for everyone once `count` callers arrived (or after 5 s, so a broken test fails instead of hanging). */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const together = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 5_000).unref();
  });
  return async () => {
    if (++arrived >= count) open();
    await together;
  };
}

/** A context for `factory` whose reads of the factor's state wait for each other (records list/get, attempt state read). */
async function meetingContext(t: TestPlugin, factory: AnyFactorProviderFactory, count: number): Promise<FactorContext> {
  const context = t.mfa.registry.contextFor(factory, await t.mfa.settings.snapshot());
  const meetAfterList = barrier(count);
  const meetAfterRead = barrier(count);
  const { records, attempts } = context.storage;
  const list = records.list.bind(records);
  const read = attempts.read.bind(attempts);
  let listed = 0;
  records.list = async (userId, which) => {
    const found = await list(userId, which);
    // Only the first list of each request is the read that races; later ones (re-reads) go straight on.
    if (++listed <= count) await meetAfterList();
    return found;
  };
  let reads = 0;
  attempts.read = async (attemptId) => {
    const found = await read(attemptId);
    if (++reads <= count) await meetAfterRead();
    return found;
  };
  return context;
}

function outcomes(results: VerifyOutcome[]): { winners: number; losers: Array<Extract<VerifyOutcome, { verified: false }>> } {
  return { winners: results.filter((r) => r.verified).length, losers: results.filter((r): r is Extract<VerifyOutcome, { verified: false }> => !r.verified) };
}

for (const kind of databaseKinds) {
  describe(`two requests with one answer, at the same moment, on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    async function attemptOf(user: HostUser): Promise<AttemptView> {
      return pendingAttempt(t, user);
    }

    it('TOTP: one code, two logins: one passes, the other is told the code was used already', async () => {
      const user = t.host.addUser('race-totp');
      const { secret } = await enrolTotp(t, user);
      const code = await codeFor(secret, t.clock.time);
      const [first, second] = [await attemptOf(user), await attemptOf(user)];
      const context = await meetingContext(t, totpFactor, 2);
      const results = await Promise.all([first, second].map((attempt) => totpFactor.create(context).verify?.(attempt, user, { code }) ?? assert.fail('TOTP verifies')));
      const { winners, losers } = outcomes(results);
      assert.equal(winners, 1, 'exactly one of the two passes');
      assert.equal(losers[0]?.reason, 'replayed', 'the loser read the winner’s replay marker');
      assert.match(losers[0]?.message ?? '', /used already/);
    });

    it('recovery codes: one code, two logins: one passes, the other is told it was used already', async () => {
      const user = t.host.addUser('race-recovery');
      const setup = await t.mfa.enrolment.beginSetup(user, recoveryCodesFactor);
      await t.mfa.enrolment.confirmSetup(user, recoveryCodesFactor, { setupId: setup.setupId }, { actor: user.username, ip: null });
      const code = (setup satisfies RecoveryCodesSetup).codes[0] ?? assert.fail('a code');
      const [first, second] = [await attemptOf(user), await attemptOf(user)];
      const context = await meetingContext(t, recoveryCodesFactor, 2);
      const results = await Promise.all([first, second].map((attempt) => recoveryCodesFactor.create(context).verify?.(attempt, user, { code }) ?? assert.fail('recovery codes verify')));
      const { winners, losers } = outcomes(results);
      assert.equal(winners, 1, 'exactly one of the two passes');
      assert.equal(losers[0]?.reason, 'replayed', 'the loser’s swap found the code spent');
      assert.match(losers[0]?.message ?? '', /used already/);
    });

    it('email: one mailed code posted twice for one login: one passes, the other is told it was used already', async () => {
      const user = t.host.addUser('race-email');
      await enrolEmail(t, user);
      const attempt = await attemptOf(user);
      const { code } = await sendLoginCode(t, attempt.id);
      const context = await meetingContext(t, emailFactor, 2);
      const results = await Promise.all([0, 1].map(() => emailFactor.create(context).verify?.(attempt, user, { code }) ?? assert.fail('email verifies')));
      const { winners, losers } = outcomes(results);
      assert.equal(winners, 1, 'exactly one of the two passes');
      assert.equal(losers[0]?.reason, 'replayed', 'the loser’s swap found the attempt state moved on');
      assert.match(losers[0]?.message ?? '', /used already/);
    });

    it('WebAuthn: one assertion posted twice: one passes, the other finds the challenge taken and is told the answer was used', async () => {
      const user = t.host.addUser('race-webauthn');
      const key = new SoftAuthenticator({ origin: 'http://localhost' });
      await enrolKey(t, user, key);
      const attempt = await attemptOf(user);
      const challenge: WebauthnLoginChallenge = await t.mfa.engine.challenge(attempt.id, webauthnFactor);
      const response = key.assert(challenge.options satisfies PublicKeyCredentialRequestOptionsJSON);
      const context = await meetingContext(t, webauthnFactor, 2);
      const results = await Promise.all([0, 1].map(() => webauthnFactor.create(context).verify?.(attempt, user, { response }) ?? assert.fail('webauthn verifies')));
      const { winners, losers } = outcomes(results);
      assert.equal(winners, 1, 'exactly one of the two passes');
      assert.equal(losers[0]?.reason, 'replayed', 'the loser’s swap found the challenge spent');
    });

    it('the engine: one TOTP code at two logins in parallel: one passes, the other gets INVALID_CODE for a code used already', async () => {
      const user = t.host.addUser('race-engine');
      const { secret } = await enrolTotp(t, user);
      const code = await codeFor(secret, t.clock.time);
      const [first, second] = [await attemptOf(user), await attemptOf(user)];
      const settled = await Promise.allSettled([first, second].map((attempt) => t.mfa.engine.verify(attempt.id, totpFactor, { code }, facts)));
      const passed = settled.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'passed');
      const refused = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; details?: { reason?: string } }] : []));
      assert.equal(passed.length, 1);
      assert.equal(refused[0]?.code, 'INVALID_CODE');
      assert.equal(refused[0]?.details?.reason, 'replayed');
    });
  });
}
