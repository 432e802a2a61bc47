import assert from 'node:assert/strict';
import { keyIdOf } from '../../plugin/crypto/keyRing.ts';
import { after, before, describe, it } from 'node:test';
import { isMfaError } from '../../plugin/errors.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { databaseKinds } from '../support/databases.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';
import { rejectsWith } from '../support/rejections.ts';
import { withSettings } from '../support/withSettings.ts';
import { trustBrowser } from '../support/trustedBrowsers.ts';

const facts = { ip: '198.51.100.7', userAgent: 'test' };


for (const kind of databaseKinds) {
  describe(`MFA engine on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    it('lets a user with nothing set up through, unless setup is required', async () => {
      const user = t.host.addUser('nosetup');
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.equal(opened.outcome, 'passed');
      await withSettings(t.mfa, { require_setup: true }, async () => {
        const again = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.equal(again.outcome, 'setup_required');
      });
    });

    it('asks nothing when the plugin is off, and at the token door only with the mobile-app toggle on', async () => {
      const user = t.host.addUser('doors');
      await enrolTotp(t, user);
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts })).outcome, 'not_required');
      await withSettings(t.mfa, { mobile_app_mfa: true }, async () => {
        assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts })).outcome, 'pending');
      });
      await withSettings(t.mfa, { enabled: false }, async () => {
        assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'not_required');
      });
    });

    it('asks at the token door of a caller whose policy is "required" whatever the mobile-app toggle says, and not while the plugin is off', async () => {
      const user = t.host.addUser('required-token-door');
      await enrolTotp(t, user);
      assert.equal((await t.mfa.settings.snapshot()).boolean('mobile_app_mfa'), false, 'the toggle is at its default, off');
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts, tokenDoorPolicy: 'required' })).outcome, 'pending');
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts, tokenDoorPolicy: 'follow-site' })).outcome, 'not_required');
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts })).outcome, 'not_required', 'the site\'s own app door follows its toggle');
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts, tokenDoorPolicy: 'follow-site' })).outcome, 'pending', 'the policy is the token door\'s only');
      await t.mfa.settings.set('enabled', false, 'test');
      try {
        assert.equal((await t.mfa.engine.openAttempt({ user, door: 'token', facts, tokenDoorPolicy: 'required' })).outcome, 'not_required', 'MFA switched off is off at every door');
      } finally {
        await t.mfa.settings.set('enabled', true, 'test');
      }
    });

    it('passes an attempt with the current TOTP code and refuses that code on the next login', async () => {
      const user = t.host.addUser('totp');
      const { secret } = await enrolTotp(t, user);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      const code = await codeFor(secret, t.clock.time);
      const passed = await t.mfa.engine.verify(opened.attempt.id, 'totp', { code }, facts);
      assert.equal(passed.outcome, 'passed');
      const next = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(next.outcome === 'pending');
      const refused = await rejectsWith(t.mfa.engine.verify(next.attempt.id, 'totp', { code }, facts), 'INVALID_CODE');
      assert.match(String(refused.message), /used already/);
      const reused = await t.mfa.audit.recent({ userId: user.id, event: 'totp_code_reused' });
      assert.equal(reused.length, 1);
    });

    it('lets only one of two simultaneous requests spend the same code', async () => {
      const user = t.host.addUser('race');
      const { secret } = await enrolTotp(t, user);
      const a = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      const b = await t.mfa.engine.openAttempt({ user, door: 'token', facts: { ...facts } });
      assert.ok(a.outcome === 'pending');
      const b2 = await withSettings(t.mfa, { mobile_app_mfa: true }, () => t.mfa.engine.openAttempt({ user, door: 'token', facts }));
      assert.ok(b2.outcome === 'pending' && b.outcome === 'not_required');
      const code = await codeFor(secret, t.clock.time);
      const results = await Promise.allSettled([
        t.mfa.engine.verify(a.attempt.id, 'totp', { code }, facts),
        t.mfa.engine.verify(b2.attempt.id, 'totp', { code }, facts),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const [loser] = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; details?: { reason?: string } }] : []));
      assert.deepEqual([loser?.code, loser?.details?.reason], ['INVALID_CODE', 'replayed'], 'the loser lost to the code being spent by the winner');
    });

    it('spends a passed attempt once: of parallel spends exactly one is told yes, and a pending or spent attempt never', async () => {
      const user = t.host.addUser('spender');
      const { secret } = await enrolTotp(t, user);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      assert.equal(await t.mfa.engine.consume(opened.attempt.id), false, 'a pending attempt cannot be spent');
      assert.equal((await t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, t.clock.time) }, facts)).outcome, 'passed');
      const spends = await Promise.all(Array.from({ length: 4 }, () => t.mfa.engine.consume(opened.attempt.id)));
      assert.deepEqual(spends.sort(), [false, false, false, true], 'one spend, three refused');
      assert.equal(await t.mfa.engine.consume(opened.attempt.id), false, 'a spent attempt cannot be spent again');
      assert.equal(await t.mfa.engine.consume('999999999'), false, 'nor one that does not exist');
    });

    it('says how many tries are left and locks the factor at the threshold, also for parallel guesses', async () => {
      await withSettings(t.mfa, { lockout_threshold: 3 }, async () => {
        const user = t.host.addUser('locked');
        const { secret } = await enrolTotp(t, user);
        const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(opened.outcome === 'pending');
        const first = await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code: '000000' }, facts), 'INVALID_CODE');
        assert.equal(first.triesLeft, 2);
        assert.match(String(first.message), /2 tries left/);
        const parallel = await Promise.allSettled(
          Array.from({ length: 8 }, () => t.mfa.engine.verify(opened.attempt.id, 'totp', { code: '111111' }, facts)),
        );
        const codes = parallel.map((r) => (r.status === 'rejected' && isMfaError(r.reason) ? r.reason.code : 'passed'));
        assert.equal(codes.filter((c) => c === 'INVALID_CODE').length, 1, codes.join());
        assert.equal(codes.filter((c) => c === 'FACTOR_LOCKED').length, 7, codes.join());
        const checked = await t.mfa.audit.recent({ userId: user.id, event: 'factor_failed' });
        assert.equal(checked.length, 3, 'exactly threshold inputs were checked');
        // Locked means locked: even the right code is not looked at.
        await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, t.clock.time) }, facts), 'FACTOR_LOCKED');
        const status = await t.mfa.engine.status(opened.attempt.id, facts);
        assert.equal(status.outcome, 'locked');
        assert.deepEqual(await t.mfa.admin.unlockUserFactors({ userId: user.id, actor: 'admin' }), ['totp']);
        const passed = await t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, t.clock.time) }, facts);
        assert.equal(passed.outcome, 'passed');
      });
    });

    it('does not count an empty answer as a guess', async () => {
      const user = t.host.addUser('empty');
      await enrolTotp(t, user);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      for (let i = 0; i < 12; i++) await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code: '' }, facts), 'INVALID_INPUT');
      const status = await t.mfa.engine.status(opened.attempt.id, facts);
      assert.equal(status.factors.find((f) => f.id === 'totp')?.triesLeft, 10);
    });

    it('keeps the lock across attempts: a new login does not reset the count', async () => {
      await withSettings(t.mfa, { lockout_threshold: 2 }, async () => {
        const user = t.host.addUser('persist');
        await enrolTotp(t, user);
        const one = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(one.outcome === 'pending');
        await rejectsWith(t.mfa.engine.verify(one.attempt.id, 'totp', { code: '000000' }, facts), 'INVALID_CODE');
        const two = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(two.outcome === 'pending');
        await rejectsWith(t.mfa.engine.verify(two.attempt.id, 'totp', { code: '000000' }, facts), 'FACTOR_LOCKED');
        assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'locked');
      });
    });

    it('passing MFA another way lifts the lock', async () => {
      const user = t.host.addUser('otherway');
      await enrolTotp(t, user);
      await withSettings(t.mfa, { lockout_threshold: 1 }, async () => {
        const one = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(one.outcome === 'pending');
        await rejectsWith(t.mfa.engine.verify(one.attempt.id, 'totp', { code: '000000' }, facts), 'FACTOR_LOCKED');
        await withSettings(t.mfa, { 'factor.ip_range.enabled': true, 'factor.ip_range.ranges': '198.51.100.0/24' }, async () => {
          assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'passed');
        });
      });
      const after = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(after.outcome === 'pending');
      assert.equal(after.factors.find((f) => f.id === 'totp')?.state, 'unknown');
    });

    it('lets logins from a trusted network (IPv4, IPv6, IPv4-mapped) through and counts weights', async () => {
      const user = t.host.addUser('network');
      await enrolTotp(t, user);
      await withSettings(t.mfa, { 'factor.ip_range.enabled': true, 'factor.ip_range.ranges': '192.0.2.0/24\n2001:db8::/32' }, async () => {
        for (const ip of ['192.0.2.10', '::ffff:192.0.2.99', '2001:db8::1']) {
          assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts: { ip, userAgent: null } })).outcome, 'passed', ip);
        }
        assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts: { ip: '192.0.3.1', userAgent: null } })).outcome, 'pending');
        await withSettings(t.mfa, { 'factor.ip_range.weight': 50 }, async () => {
          const half = await t.mfa.engine.openAttempt({ user, door: 'web', facts: { ip: '192.0.2.10', userAgent: null } });
          assert.ok(half.outcome === 'pending');
          assert.equal(half.points, 50);
        });
      });
    });

    it('lets a trusted browser through until the trust expires, and only for its own user', async () => {
      const user = t.host.addUser('trusty');
      const other = t.host.addUser('other');
      await enrolTotp(t, user);
      await enrolTotp(t, other);
      const { token } = await trustBrowser(t.mfa, user.id, { hours: 24, label: 'Laptop', ip: null, userAgent: null });
      const withCookie = { ...facts, credentials: { mfa_trusted_device: token } };
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts: withCookie })).outcome, 'passed');
      assert.equal((await t.mfa.engine.openAttempt({ user: other, door: 'web', facts: withCookie })).outcome, 'pending');
      t.clock.advance(24 * 3600_000 + 1);
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts: withCookie })).outcome, 'pending');
      const rows = await t.database.db('mfa_trusted_devices').select('token_hash');
      assert.ok(rows.every((r: { token_hash: string }) => r.token_hash !== token), 'only the hash is stored');
    });

    it('refuses an attempt that has expired', async () => {
      const user = t.host.addUser('slow');
      const { secret } = await enrolTotp(t, user);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      t.clock.advance(10 * 60_000 + 1);
      const code = await codeFor(secret, t.clock.time);
      await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code }, facts), 'ATTEMPT_EXPIRED');
    });

    it('keeps TOTP secrets encrypted at rest', async () => {
      const user = t.host.addUser('dump');
      const { secret } = await enrolTotp(t, user);
      const rows = await t.database.db('mfa_user_factors').where({ user_id: user.id });
      assert.equal(rows.length, 1);
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(secret), 'the base32 secret is not in the row');
      // Sealed in the format that names its key (v2), under the current key's id (issue 13: per-purpose keys), in the record's data (issue 12).
      const sealed = String(JSON.parse(String(rows[0].data)).secret);
      assert.ok(sealed.startsWith(`v2:${keyIdOf(t.secretKey)}:`), sealed);
    });

    it('refuses to confirm a set-up with a wrong code, or after its QR code expired', async () => {
      const user = t.host.addUser('setup');
      const setup = (await t.mfa.enrolment.beginSetup(user, 'totp', {})) as { setupId: number; secret: string };
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: '000000' }, { actor: 'setup', ip: null }), 'INVALID_CODE');
      t.clock.advance(16 * 60_000);
      const code = await codeFor(setup.secret, t.clock.time);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code }, { actor: 'setup', ip: null }), 'SETUP_EXPIRED');
      assert.equal((await t.mfa.enrolment.devices(user)).length, 0);
    });

    it('does not let one user confirm or remove another user’s device', async () => {
      const owner = t.host.addUser('owner');
      const intruder = t.host.addUser('intruder');
      const setup = (await t.mfa.enrolment.beginSetup(owner, 'totp', {})) as { setupId: number; secret: string };
      const code = await codeFor(setup.secret, t.clock.time);
      await rejectsWith(t.mfa.enrolment.confirmSetup(intruder, 'totp', { setupId: setup.setupId, code }, { actor: 'intruder', ip: null }), 'SETUP_EXPIRED');
      const device = await t.mfa.enrolment.confirmSetup(owner, 'totp', { setupId: setup.setupId, code }, { actor: 'owner', ip: null });
      await rejectsWith(t.mfa.enrolment.remove(intruder, 'totp', device.id, { actor: 'intruder', ip: null }), 'NOT_FOUND');
      await t.mfa.enrolment.remove(owner, 'totp', device.id, { actor: 'owner', ip: null });
      assert.equal((await t.mfa.enrolment.devices(owner)).length, 0);
      const events = (await t.mfa.audit.recent({ userId: owner.id })).map((e) => e.event);
      assert.ok(events.includes('factor_added') && events.includes('factor_removed'));
    });
  });
}
