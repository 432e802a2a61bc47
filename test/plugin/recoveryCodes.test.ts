import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RECOVERY_CODES_SETUP_TTL_MS, normalizeRecoveryCode, recoveryCodesFactor, recoveryCodesLeft } from '../../plugin/factors/recovery-codes/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { rejectsWith } from '../support/rejections.ts';

const facts = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (test browser)' };


/** Generates a set and confirms it was saved, as the security page does. */
async function generateCodes(t: TestPlugin, user: HostUser): Promise<string[]> {
  const setup = await t.mfa.enrolment.beginSetup(user, recoveryCodesFactor, {});
  await t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId: setup.setupId }, { actor: user.username, ip: null });
  return setup.codes;
}

async function pendingAttempt(t: TestPlugin, user: HostUser) {
  const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
  assert.ok(opened.outcome === 'pending', `attempt is pending, not ${opened.outcome}`);
  return opened.attempt;
}

async function left(t: TestPlugin, user: HostUser) {
  return recoveryCodesLeft(t.mfa.registry.context(await t.mfa.settings.snapshot()), user);
}

for (const kind of databaseKinds) {
  describe(`recovery codes on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    it('generates 10 distinct codes of at least 64 bits, stored only as salted hashes', async () => {
      const user = t.host.addUser('generate');
      const codes = await generateCodes(t, user);
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) {
        assert.match(code, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
        // 16 characters of a 32-letter alphabet: 16 × 5 = 80 bits.
        assert.ok((normalizeRecoveryCode(code)?.length ?? 0) * Math.log2(32) >= 64);
      }
      const rows = await t.database.db('mfa_user_factors').where({ user_id: user.id, factor: 'recovery_codes' });
      assert.equal(rows.length, 10);
      const stored = JSON.stringify(rows);
      for (const code of codes) {
        assert.ok(!stored.includes(code) && !stored.includes(normalizeRecoveryCode(code) ?? code), 'no code in clear');
      }
      const salts = rows.map((row: { data: string }) => (JSON.parse(row.data) as { salt: string }).salt);
      assert.equal(new Set(salts).size, 10, 'a salt per code');
      assert.deepEqual(await left(t, user), { remaining: 10, total: 10, runningLow: false });
    });

    it('passes the attempt with a code, each code once, and mails the owner', async () => {
      const user = t.host.addUser('useonce');
      const [code, other] = await generateCodes(t, user);
      assert.ok(code && other);
      const attempt = await pendingAttempt(t, user);
      const mailBefore = t.host.mail.length;
      const passed = await t.mfa.engine.verify(attempt.id, 'recovery_codes', { code: code.toUpperCase().replace(/-/g, ' ') }, facts);
      assert.equal(passed.outcome, 'passed');
      assert.equal(t.host.mail.length, mailBefore + 1);
      const mail = t.host.mail.at(-1);
      assert.equal(mail?.to, 'useonce@example.test');
      assert.match(mail?.text ?? '', /A recovery code was used/);
      assert.match(mail?.text ?? '', /From IP: 198\.51\.100\.7/);
      assert.match(mail?.text ?? '', /You have 9 recovery codes left/);
      assert.ok(!(mail?.text ?? '').includes(code), 'the mail does not repeat the code');
      const used = await t.mfa.audit.recent({ userId: user.id, event: 'recovery_code_used' });
      assert.equal(used[0]?.detail?.remaining, 9);

      const next = await pendingAttempt(t, user);
      const reused = await rejectsWith(t.mfa.engine.verify(next.id, 'recovery_codes', { code }, facts), 'INVALID_CODE');
      assert.equal(reused.reason, 'replayed');
      assert.match(String(reused.message), /used already/);
      assert.equal((await t.mfa.engine.verify(next.id, 'recovery_codes', { code: other }, facts)).outcome, 'passed');
      assert.equal((await left(t, user)).remaining, 8);
    });

    it('lands a login that passed with a recovery code on the security page, saying how many are left', async () => {
      const user = t.host.addUser('landing');
      const [code] = await generateCodes(t, user);
      const attempt = await pendingAttempt(t, user);
      assert.equal((await t.mfa.engine.verify(attempt.id, recoveryCodesFactor, { code: code ?? '' }, facts)).outcome, 'passed');
      assert.deepEqual(await t.mfa.engine.landingAfterPass('recovery_codes', user.id), {
        place: 'security',
        message: 'You logged in with a recovery code. You have 9 recovery codes left. If you lost your device, set it up again below.',
      });
      assert.equal(await t.mfa.engine.landingAfterPass('totp', user.id), null, 'a factor without a landing sends the user on');
    });

    it('lets only one of two simultaneous logins spend the same code', async () => {
      const user = t.host.addUser('race');
      const [code] = await generateCodes(t, user);
      assert.ok(code);
      const attempts = [await pendingAttempt(t, user), await pendingAttempt(t, user), await pendingAttempt(t, user)];
      const results = await Promise.allSettled(attempts.map((a) => t.mfa.engine.verify(a.id, 'recovery_codes', { code }, facts)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; message?: string; details?: { reason?: string } }] : []));
      assert.equal(losers.length, 2);
      for (const loser of losers) {
        // Each lost to the login that spent the code first.
        assert.deepEqual([loser.code, loser.details?.reason], ['INVALID_CODE', 'replayed'], JSON.stringify(loser));
        assert.match(String(loser.message), /used already/);
      }
      assert.equal((await left(t, user)).remaining, 9);
    });

    it('refuses a wrong code and counts it toward the lockout', async () => {
      await t.mfa.settings.set('lockout_threshold', 2, 'test');
      try {
        const user = t.host.addUser('lockout');
        const [code] = await generateCodes(t, user);
        assert.ok(code);
        const attempt = await pendingAttempt(t, user);
        const wrong = await rejectsWith(t.mfa.engine.verify(attempt.id, 'recovery_codes', { code: 'aaaa-bbbb-cccc-dddd' }, facts), 'INVALID_CODE');
        assert.equal(wrong.triesLeft, 1);
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'recovery_codes', { code: 'not a code' }, facts), 'FACTOR_LOCKED');
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'recovery_codes', { code }, facts), 'FACTOR_LOCKED');
        assert.equal((await left(t, user)).remaining, 10, 'a locked factor spends no code');
      } finally {
        await t.mfa.settings.set('lockout_threshold', 10, 'test');
      }
    });

    it('voids the old set once a new one is confirmed, and not before', async () => {
      const user = t.host.addUser('regenerate');
      const [oldCode, oldOther] = await generateCodes(t, user);
      assert.ok(oldCode && oldOther);
      const setup = await t.mfa.enrolment.beginSetup(user, recoveryCodesFactor, {});
      assert.equal(setup.replacesRemaining, 10);
      // Not yet confirmed: the old set still works, the new one not yet.
      const first = await pendingAttempt(t, user);
      await rejectsWith(t.mfa.engine.verify(first.id, 'recovery_codes', { code: setup.codes[0] }, facts), 'INVALID_CODE');
      assert.equal((await t.mfa.engine.verify(first.id, 'recovery_codes', { code: oldCode }, facts)).outcome, 'passed');
      await t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId: setup.setupId }, { actor: 'regenerate', ip: null });
      const second = await pendingAttempt(t, user);
      await rejectsWith(t.mfa.engine.verify(second.id, 'recovery_codes', { code: oldOther }, facts), 'INVALID_CODE');
      assert.equal((await t.mfa.engine.verify(second.id, 'recovery_codes', { code: setup.codes[1] }, facts)).outcome, 'passed');
      assert.deepEqual(await left(t, user), { remaining: 9, total: 10, runningLow: false });
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId: setup.setupId }, { actor: 'regenerate', ip: null }), 'SETUP_EXPIRED');
    });

    it('lets an unconfirmed set expire without touching the current one', async () => {
      const user = t.host.addUser('expiry');
      await generateCodes(t, user);
      const setup = await t.mfa.enrolment.beginSetup(user, recoveryCodesFactor, {});
      t.clock.advance(RECOVERY_CODES_SETUP_TTL_MS + 1000);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId: setup.setupId }, { actor: 'expiry', ip: null }), 'SETUP_EXPIRED');
      assert.equal((await left(t, user)).remaining, 10);
    });

    it('says when codes run low, in the count and in the mail', async () => {
      const user = t.host.addUser('runninglow');
      const codes = await generateCodes(t, user);
      for (const code of codes.slice(0, 7)) {
        const attempt = await pendingAttempt(t, user);
        await t.mfa.engine.verify(attempt.id, 'recovery_codes', { code }, facts);
      }
      assert.deepEqual(await left(t, user), { remaining: 3, total: 10, runningLow: true });
      assert.match(t.host.mail.at(-1)?.text ?? '', /You have 3 recovery codes left\.\nYou are running out: generate a new set/);
      const [device] = (await t.mfa.enrolment.devices(user)).filter((d) => d.factor === 'recovery_codes');
      assert.equal(device?.label, 'Recovery codes (3 of 10 left)');
    });

    it('removes the set: no code works and the factor is no longer offered', async () => {
      const user = t.host.addUser('removal');
      const [code] = await generateCodes(t, user);
      const [device] = (await t.mfa.enrolment.devices(user)).filter((d) => d.factor === 'recovery_codes');
      assert.ok(device && code);
      await t.mfa.enrolment.remove(user, 'recovery_codes', device.id, { actor: 'removal', ip: null });
      assert.deepEqual(await left(t, user), { remaining: 0, total: 0, runningLow: false });
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'passed', 'nothing set up, nothing asked');
      const other = t.host.addUser('notyours');
      await generateCodes(t, other);
      const [theirs] = (await t.mfa.enrolment.devices(other)).filter((d) => d.factor === 'recovery_codes');
      assert.ok(theirs);
      await rejectsWith(t.mfa.enrolment.remove(user, 'recovery_codes', theirs.id, { actor: 'removal', ip: null }), 'NOT_FOUND');
      assert.equal((await left(t, other)).remaining, 10, "another user's set stays");
    });
  });
}
