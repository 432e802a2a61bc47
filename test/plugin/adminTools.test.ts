import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FailureCounter } from '../../plugin/engine/failureCounter.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';
import { rejectionMessage as rejectsWith } from '../support/rejections.ts';
import { trustBrowser } from '../support/trustedBrowsers.ts';

const facts = { ip: '198.51.100.7', userAgent: 'test' };


for (const kind of databaseKinds) {
  describe(`admin tools on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    const failures = () => new FailureCounter(t.database.db, t.clock.now);
    async function lock(user: HostUser, factor: string): Promise<void> {
      const threshold = (await t.mfa.settings.snapshot()).integer('lockout_threshold');
      for (let i = 0; i < threshold; i++) await failures().reserveTry(user.id, factor, threshold);
    }
    async function enrolEmail(user: HostUser): Promise<void> {
      await t.mfa.enrolment.beginSetup(user, 'email', {});
      const code = /\b(\d{6})\b/.exec(t.host.mail.at(-1)?.text ?? '')?.[1];
      assert.ok(code, 'the set-up mail has a code');
      await t.mfa.enrolment.confirmSetup(user, 'email', { code }, { actor: user.username, ip: null });
    }
    const factorsOf = async (user: HostUser) => (await t.mfa.enrolment.devices(user)).map((d) => d.factor).sort();

    it('resets one factor: its devices and failure count go, the other factors stay, the reason is audited', async () => {
      const user = t.host.addUser('lostphone');
      await enrolTotp(t, user);
      await enrolEmail(user);
      await lock(user, 'totp');
      await failures().reserveTry(user.id, 'email', 10);
      const result = await t.mfa.admin.resetUserFactors({ userId: user.id, factor: 'totp', reason: 'Phone lost; identity checked by video call', actor: 'admin' });
      assert.deepEqual(result, {
        devicesRemoved: 1,
        trustedDevicesRevoked: 0,
        failureCountsCleared: ['totp'],
        // MemoryHost keeps no browser sessions; the user had no API session or token.
        webSessionsEnded: 0,
        apiSessionsEnded: 0,
        identityTokensRevoked: 0,
        serviceTokensRevoked: 0,
      });
      assert.deepEqual(await factorsOf(user), ['email']);
      assert.equal(await failures().failures(user.id, 'totp'), 0);
      assert.equal(await failures().failures(user.id, 'email'), 1, 'the other factor keeps its count');
      const [row] = await t.mfa.audit.recent({ userId: user.id, event: 'factor_reset' });
      assert.equal(row?.actor, 'admin');
      assert.equal(row?.factor, 'totp');
      assert.equal(row?.detail?.reason, 'Phone lost; identity checked by video call');
    });

    it('resets everything: every device, trusted browsers and failure counts; the next login asks nothing', async () => {
      const user = t.host.addUser('resetall');
      await enrolTotp(t, user);
      await enrolEmail(user);
      await trustBrowser(t.mfa, user.id, { hours: 24, label: 'Laptop', ip: null, userAgent: null });
      await lock(user, 'email');
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'pending');
      const result = await t.mfa.admin.resetUserFactors({ userId: user.id, reason: 'Device broken', actor: 'admin' });
      assert.equal(result.devicesRemoved, 2);
      assert.equal(result.trustedDevicesRevoked, 1);
      assert.deepEqual(result.failureCountsCleared, ['email']);
      assert.deepEqual(await factorsOf(user), []);
      assert.equal((await t.mfa.engine.openAttempt({ user, door: 'web', facts })).outcome, 'passed');
      const [row] = await t.mfa.audit.recent({ userId: user.id, event: 'factor_reset' });
      assert.equal(row?.factor, null);
    });

    it('refuses a reset without a reason, and removes nothing', async () => {
      const user = t.host.addUser('noreason');
      await enrolTotp(t, user);
      const message = await rejectsWith(t.mfa.admin.resetUserFactors({ userId: user.id, factor: 'totp', reason: '   ', actor: 'admin' }), 'INVALID_INPUT');
      assert.match(message, /reason/);
      assert.deepEqual(await factorsOf(user), ['totp']);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_reset' })).length, 0);
    });

    it('refuses an unknown factor, naming the ones there are, and removes nothing', async () => {
      const user = t.host.addUser('typo');
      await enrolTotp(t, user);
      const message = await rejectsWith(t.mfa.admin.resetUserFactors({ userId: user.id, factor: 'totpp', reason: 'lost', actor: 'admin' }), 'FACTOR_NOT_AVAILABLE');
      assert.match(message, /"totpp".*totp, trusted_device/);
      assert.deepEqual(await factorsOf(user), ['totp']);
    });

    it('unlocks a locked factor, keeping the device, and audits it once', async () => {
      const user = t.host.addUser('locked');
      const { secret } = await enrolTotp(t, user);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      await lock(user, 'totp');
      await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, t.clock.time) }, facts), 'FACTOR_LOCKED');
      assert.deepEqual(await t.mfa.admin.unlockUserFactors({ userId: user.id, actor: 'admin' }), ['totp']);
      assert.deepEqual(await t.mfa.admin.unlockUserFactors({ userId: user.id, actor: 'admin' }), [], 'nothing left to unlock');
      const passed = await t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, t.clock.time) }, facts);
      assert.equal(passed.outcome, 'passed');
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_unlocked' })).length, 1);
    });

    it('shows an admin the devices (never a secret), the locked factors and the recent events', async () => {
      const user = t.host.addUser('overview');
      const { secret } = await enrolTotp(t, user, 'Work phone');
      await lock(user, 'totp');
      const overview = await t.mfa.admin.overview(user);
      assert.deepEqual(
        overview.devices.map((d) => [d.factor, d.label]),
        [['totp', 'Work phone']],
      );
      assert.doesNotMatch(JSON.stringify(overview), new RegExp(secret), 'the TOTP secret is not in the overview');
      assert.deepEqual(overview.failures, [{ factor: 'totp', displayName: 'Authenticator app', failures: 10, locked: true }]);
      assert.deepEqual(
        overview.recentEvents.map((e) => e.event),
        ['factor_added'],
      );
    });

    it('reports per enabled factor: users enrolled, users who passed with it since the date, users locked', async () => {
      const report = await createTestPlugin(kind);
      try {
        const [ada, bob, cy] = ['ada', 'bob', 'cy'].map((name) => report.host.addUser(name)) as [HostUser, HostUser, HostUser];
        for (const user of [ada, bob, cy]) await enrolTotp(report, user);
        // An old pass (before `since`) does not count; two passes by one user count once.
        await report.mfa.audit.record({ event: 'mfa_passed', userId: ada.id, detail: { factors: ['totp'], points: 100 } });
        report.clock.advance(3_600_000);
        const since = report.clock.time;
        await report.mfa.audit.record({ event: 'mfa_passed', userId: bob.id, detail: { factors: ['totp'], points: 100 } });
        await report.mfa.audit.record({ event: 'mfa_passed', userId: bob.id, detail: { factors: ['totp', 'ip_range'], points: 200 } });
        await report.mfa.audit.record({ event: 'mfa_passed', userId: cy.id, detail: { factors: ['trusted_device'], points: 100 } });
        await trustBrowser(report.mfa, cy.id, { hours: 1, label: null, ip: null, userAgent: null });
        const threshold = 10;
        for (let i = 0; i < threshold; i++) await new FailureCounter(report.database.db, report.clock.now).reserveTry(cy.id, 'totp', threshold);
        await report.mfa.settings.set('factor.ip_range.enabled', true, 'test');
        await report.mfa.settings.set('factor.webauthn.enabled', false, 'test');

        const rows = await report.mfa.admin.factorReport({ since });
        const byFactor = Object.fromEntries(rows.map((r) => [r.factor, [r.enrolledUsers, r.passedUsers, r.lockedUsers]]));
        assert.deepEqual(byFactor, {
          totp: [3, 1, 1],
          trusted_device: [1, 1, 0],
          ip_range: [null, 1, 0],
          email: [0, 0, 0],
          recovery_codes: [0, 0, 0],
        });
      } finally {
        await report.drop();
      }
    });
  });
}
