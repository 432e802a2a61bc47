import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AccountCaller } from '../../plugin/account/mfaAccount.ts';
import type { TotpSetup } from '../../plugin/factors/totp/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { rejectsWith } from '../support/rejections.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { trustBrowser } from '../support/trustedBrowsers.ts';

const facts = { ip: '198.51.100.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };

for (const kind of databaseKinds) {
  describe(`a user's own factors, one call per step, on ${kind}`, () => {
    let t: TestPlugin;
    let minutes: number;
    before(async () => {
      t = await createTestPlugin(kind);
      minutes = (await t.mfa.settings.snapshot()).integer('recent_pass_minutes');
    });
    after(() => t.drop());

    const caller = (user: HostUser, passedAt: number | null, loggedInAt: number | null = t.clock.time): AccountCaller => ({ user, passedAt, loggedInAt, door: 'web', ip: facts.ip });

    it('refuses a new factor to a caller whose pass is older than recent_pass_minutes, and allows it to a fresh one', async () => {
      const user = t.host.addUser('acct-stale');
      await enrolTotp(t, user);
      const stale = caller(user, t.clock.time - (minutes + 1) * 60_000);
      const refused = await rejectsWith(t.mfa.account.beginSetup(stale, 'totp', { label: 'Second phone' }), 'RECENT_MFA_REQUIRED');
      assert.equal(refused.minutes, minutes);
      await rejectsWith(t.mfa.account.beginSetup(caller(user, null), 'totp', {}), 'RECENT_MFA_REQUIRED');
      const fresh = caller(user, t.clock.time - 60_000);
      const setup = (await t.mfa.account.beginSetup(fresh, 'totp', { label: 'Second phone' })) as TotpSetup;
      const { device, login } = await t.mfa.account.confirmSetup(fresh, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, t.clock.time) });
      assert.equal(device.label, 'Second phone');
      assert.equal(login, null);
      const [added] = await t.mfa.audit.recent({ userId: user.id, event: 'factor_added', limit: 1 });
      assert.equal(added?.actor, user.username);
      assert.equal(added?.ip, facts.ip);
    });

    it('lets a user with no factor set up the first one without a pass, unless their factors were reset after the session began', async () => {
      const user = t.host.addUser('acct-first');
      await t.mfa.account.beginSetup(caller(user, null), 'totp', {});
      await enrolTotp(t, user);
      const sessionStart = t.clock.time;
      t.clock.advance(60_000);
      await t.mfa.admin.resetUserFactors({ userId: user.id, reason: 'lost phone, checked by a call', actor: 'admin' });
      t.clock.advance(60_000);
      await rejectsWith(t.mfa.account.beginSetup(caller(user, null, sessionStart), 'totp', {}), 'LOGIN_REQUIRED');
      await t.mfa.account.beginSetup(caller(user, null, t.clock.time), 'totp', {});
    });

    it('removes a trusted browser without a recent pass, but not a factor', async () => {
      const user = t.host.addUser('acct-remove');
      await enrolTotp(t, user);
      const stale = caller(user, t.clock.time - (minutes + 5) * 60_000);
      const { token } = await trustBrowser(t.mfa, user.id, { hours: 24, label: 'Laptop', ip: null, userAgent: null });
      assert.ok(token);
      const devices = await t.mfa.enrolment.devices(user);
      const browser = devices.find((d) => d.factor === 'trusted_device');
      const app = devices.find((d) => d.factor === 'totp');
      assert.ok(browser && app);
      await t.mfa.account.remove(stale, 'trusted_device', browser.id);
      await rejectsWith(t.mfa.account.remove(stale, 'totp', app.id), 'RECENT_MFA_REQUIRED');
      assert.deepEqual((await t.mfa.enrolment.devices(user)).map((d) => d.factor), ['totp']);
    });

    it('passes the login that waited for set-up with the factor just set up', async () => {
      const user = t.host.addUser('acct-waiting');
      await t.mfa.settings.set('require_setup', true, 'test');
      try {
        const started = await t.mfa.login.start({ user, door: 'web', facts });
        assert.equal(started.kind, 'setup_required');
        assert.ok('login' in started);
        const waitingCaller = caller(user, null);
        const setup = (await t.mfa.account.beginSetup(waitingCaller, 'totp', {})) as TotpSetup;
        const { login } = await t.mfa.account.confirmSetup(waitingCaller, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, t.clock.time) }, { key: { attemptId: started.login.attemptId }, facts });
        assert.equal(login?.kind, 'passed');
        assert.ok(login?.kind === 'passed' && login.spent && login.passedWith.includes('totp'));
      } finally {
        await t.mfa.settings.set('require_setup', false, 'test');
      }
    });
  });
}
