import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoginStep } from '../../plugin/login/loginStep.ts';
import { databaseKinds } from '../support/databases.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { createPushTestPlugin, LAPTOP, pairPhone, type PushTestPlugin } from '../support/pushSteps.ts';

const facts = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };

function kindOf(step: LoginStep, kind: LoginStep['kind']): asserts step is Extract<LoginStep, { kind: typeof kind }> {
  assert.equal(step.kind, kind, `expected ${kind}, got ${step.kind}${'error' in step && step.error ? ` (${step.error.code}: ${step.error.message})` : ''}`);
}

function pending(step: LoginStep): Extract<LoginStep, { kind: 'pending' }> {
  kindOf(step, 'pending');
  return step as Extract<LoginStep, { kind: 'pending' }>;
}

function passed(step: LoginStep): Extract<LoginStep, { kind: 'passed' }> {
  kindOf(step, 'passed');
  return step as Extract<LoginStep, { kind: 'passed' }>;
}

for (const kind of databaseKinds) {
  describe(`the login protocol (one call per step) on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
      // The token door asks MFA only with "Enable MFA for the mobile app" on.
      await t.mfa.settings.set('mobile_app_mfa', true, 'test');
    });
    after(() => t.drop());

    it('starts a login that waits for the factor the user has, offers to trust the browser, and passes with the code', async () => {
      const user = t.host.addUser('proto-ada');
      const { secret } = await enrolTotp(t, user);
      const started = pending(await t.mfa.login.start({ user, door: 'web', facts }));
      assert.deepEqual(started.factors.map((f) => [f.id, f.prompt]), [['totp', 'code']]);
      assert.deepEqual(started.offers.map((o) => o.field), ['trust_device']);
      const wrong = pending(await t.mfa.login.answer({ attemptId: started.login.attemptId }, { factor: 'totp', input: { code: '000000' } }, facts));
      assert.equal(wrong.error?.code, 'INVALID_CODE');
      const threshold = (await t.mfa.settings.snapshot()).integer('lockout_threshold');
      assert.equal(wrong.error?.details.triesLeft, threshold - 1);
      assert.equal(wrong.factors[0]?.triesLeft, threshold - 1, 'the step shows the count after the wrong code');
      const right = passed(await t.mfa.login.answer({ attemptId: started.login.attemptId }, { input: { code: await codeFor(secret, t.clock.time) } }, facts));
      assert.equal(right.spent, true);
      assert.deepEqual(right.passedWith, ['totp']);
      assert.equal(right.user.id, user.id);
      assert.equal(right.landing, null);
      assert.deepEqual(right.keep, []);
    });

    it('spends a passed login once: of two answers racing with the right code, one passes and the other hears why not', async () => {
      const user = t.host.addUser('proto-race');
      const { secret } = await enrolTotp(t, user);
      const started = pending(await t.mfa.login.start({ user, door: 'web', facts }));
      const code = await codeFor(secret, t.clock.time);
      const key = { attemptId: started.login.attemptId };
      const steps = await Promise.all([0, 1, 2].map(() => t.mfa.login.answer(key, { factor: 'totp', input: { code } }, facts)));
      const winners = steps.filter((s) => s.kind === 'passed');
      assert.equal(winners.length, 1, JSON.stringify(steps.map((s) => s.kind)));
      for (const loser of steps.filter((s) => s.kind !== 'passed')) {
        // A loser either found the login spent (ended: expired) or its copy of the code already used (replayed).
        if (loser.kind === 'ended') assert.equal(loser.reason, 'expired');
        else assert.equal(pending(loser).error?.details.reason, 'replayed');
      }
    });

    it('trusts the browser when the user ticks the offer, and the next login from it passes at the start', async () => {
      const user = t.host.addUser('proto-trust');
      const { secret } = await enrolTotp(t, user);
      const started = pending(await t.mfa.login.start({ user, door: 'web', facts }));
      const right = passed(await t.mfa.login.answer({ attemptId: started.login.attemptId }, { factor: 'totp', input: { code: await codeFor(secret, t.clock.time) } }, facts, { accept: ['trust_device'] }));
      const [credential] = right.keep;
      assert.ok(credential, 'a credential to keep');
      assert.equal(credential.name, 'mfa_trusted_device');
      assert.equal(credential.maxAgeMs, 24 * 3600_000);
      const again = passed(await t.mfa.login.start({ user, door: 'web', facts: { ...facts, credentials: { [credential.name]: credential.value } } }));
      assert.deepEqual(again.passedWith, ['trusted_device']);
      assert.equal(again.spent, true);
      const stranger = await t.mfa.login.start({ user, door: 'web', facts: { ...facts, credentials: { [credential.name]: 'forged' } } });
      assert.equal(stranger.kind, 'pending', 'a forged credential passes nothing');
      const audit = await t.mfa.audit.recent({ userId: user.id, event: 'trusted_device_added' });
      assert.equal(audit.length, 1);
    });

    it('lands a login passed with a recovery code on the security page, unless it was made for a page', async () => {
      const user = t.host.addUser('proto-recovery');
      await enrolTotp(t, user);
      const { codes, setupId } = (await t.mfa.enrolment.beginSetup(user, 'recovery_codes', {})) as { codes: string[]; setupId: number };
      await t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId }, { actor: user.username, ip: null });
      const first = pending(await t.mfa.login.start({ user, door: 'web', facts }));
      const landed = passed(await t.mfa.login.answer({ attemptId: first.login.attemptId }, { factor: 'recovery_codes', input: { code: codes[0] } }, facts));
      assert.equal(landed.landing?.place, 'security');
      assert.match(String(landed.landing?.message), /recovery codes? left/i);
      const second = pending(await t.mfa.login.start({ user, door: 'web', facts }));
      const forPage = passed(await t.mfa.login.answer({ attemptId: second.login.attemptId }, { factor: 'recovery_codes', input: { code: codes[1] } }, facts, { forPage: true }));
      assert.equal(forPage.landing, null);
    });

    it('takes a bare code for the authenticator app, never for a backup, and says which to choose when several fit', async () => {
      const user = t.host.addUser('proto-choice');
      const { secret } = await enrolTotp(t, user);
      const { setupId } = (await t.mfa.enrolment.beginSetup(user, 'recovery_codes', {})) as { setupId: number };
      await t.mfa.enrolment.confirmSetup(user, 'recovery_codes', { setupId }, { actor: user.username, ip: null });
      const started = pending(await t.mfa.login.start({ user, door: 'token', facts, service: 'moodle_mobile_app', handle: true }));
      assert.ok(started.login.handle);
      const bare = passed(await t.mfa.login.answer({ handle: started.login.handle, door: 'token' }, { input: { code: await codeFor(secret, t.clock.time) } }, facts));
      assert.deepEqual(bare.passedWith, ['totp']);
    });

    it('answers a handle only at the door and for the service it was given for', async () => {
      const user = t.host.addUser('proto-handle');
      const { secret } = await enrolTotp(t, user);
      const app = pending(await t.mfa.login.start({ user, door: 'token', facts, service: 'moodle_mobile_app', handle: true }));
      const platform = pending(await t.mfa.login.start({ user, door: 'token', facts, service: { platform: 'keycloak' }, handle: true }));
      const code = await codeFor(secret, t.clock.time);
      const wrongDoor = await t.mfa.login.answer({ handle: String(app.login.handle), door: 'web' }, { factor: 'totp', input: { code } }, facts);
      kindOf(wrongDoor, 'ended');
      const asPlatform = await t.mfa.login.status({ handle: String(app.login.handle), service: { platform: 'keycloak' } }, facts);
      kindOf(asPlatform, 'ended');
      const platformsAtTheSite = await t.mfa.login.status({ handle: String(platform.login.handle), door: 'token' }, facts);
      kindOf(platformsAtTheSite, 'ended');
      assert.equal(pending(await t.mfa.login.status({ handle: String(app.login.handle), door: 'token' }, facts)).login.attemptId, app.login.attemptId);
    });

    it('keeps a platform’s pass for its own spending call: status says passed, finish spends it once', async () => {
      const user = t.host.addUser('proto-keep');
      const { secret } = await enrolTotp(t, user);
      const key = { service: { platform: 'keycloak' } } as const;
      const started = pending(await t.mfa.login.start({ user, door: 'web', facts, service: key.service, handle: true, spend: false }));
      const handle = String(started.login.handle);
      const kept = passed(await t.mfa.login.answer({ handle, ...key }, { factor: 'totp', input: { code: await codeFor(secret, t.clock.time) } }, facts, { spend: false }));
      assert.equal(kept.spent, false);
      assert.equal(passed(await t.mfa.login.status({ handle, ...key }, facts, { spend: false })).spent, false);
      assert.deepEqual(await Promise.all([t.mfa.login.finish({ handle, ...key }), t.mfa.login.finish({ handle, ...key })]).then((r) => r.map((f) => f.spent).sort()), [false, true]);
      kindOf(await t.mfa.login.status({ handle, ...key }, facts, { spend: false }), 'ended');
    });

    it('asks a user with nothing set up to set up first when set-up is required, and the new factor passes that login', async () => {
      const user = t.host.addUser('proto-setup');
      await t.mfa.settings.set('require_setup', true, 'test');
      try {
        const started = await t.mfa.login.start({ user, door: 'web', facts });
        kindOf(started, 'setup_required');
        assert.ok((started as Extract<LoginStep, { kind: 'setup_required' }>).setup.some((f) => f.id === 'totp'));
        assert.ok(!(started as Extract<LoginStep, { kind: 'setup_required' }>).setup.some((f) => f.id === 'recovery_codes'), 'a backup is no way in');
        await enrolTotp(t, user);
        const done = passed(await t.mfa.login.passBySetup({ attemptId: (started as Extract<LoginStep, { kind: 'setup_required' }>).login.attemptId }, 'totp', facts));
        assert.equal(done.spent, true);
      } finally {
        await t.mfa.settings.set('require_setup', false, 'test');
      }
    });

    it('asks nothing when MFA is off: no attempt is opened', async () => {
      const user = t.host.addUser('proto-off');
      await enrolTotp(t, user);
      await t.mfa.settings.set('enabled', false, 'test');
      try {
        kindOf(await t.mfa.login.start({ user, door: 'web', facts }), 'not_required');
      } finally {
        await t.mfa.settings.set('enabled', true, 'test');
      }
    });
  });

  describe(`the login protocol with an approval on another device, on ${kind}`, () => {
    let t: PushTestPlugin;
    before(async () => {
      t = await createPushTestPlugin(kind);
    });
    after(() => t.drop());

    it('waits for the approval without counting, passes once the phone approved, and ends the login when it denied', async () => {
      const user = t.host.addUser('proto-push');
      const phone = await pairPhone(t, user);
      for (const decision of ['approve', 'deny'] as const) {
        const started = pending(await t.mfa.login.start({ user, door: 'web', facts: LAPTOP }));
        const key = { attemptId: started.login.attemptId };
        const sent = await t.mfa.login.challenge(key, 'push', LAPTOP);
        const number = sent.view.blocks?.find((b) => b.kind === 'number');
        assert.ok(number && number.kind === 'number', 'a number to match');
        const waiting = pending(await t.mfa.login.answer(key, { input: {} }, LAPTOP));
        assert.equal(waiting.error?.code, 'APPROVAL_PENDING');
        const threshold = (await t.mfa.settings.snapshot()).integer('lockout_threshold');
        assert.equal(waiting.factors.find((f) => f.id === 'push')?.triesLeft, threshold, 'waiting counts nothing');
        const [push] = await phone.pending(await t.context());
        assert.ok(push);
        const answered = await phone.answer(await t.context(), push, decision, decision === 'approve' ? number.value : '');
        assert.equal(answered.status, 200, JSON.stringify(answered.json));
        const after = await t.mfa.login.answer(key, { input: {} }, LAPTOP);
        if (decision === 'approve') assert.deepEqual(passed(after).passedWith, ['push']);
        else {
          // Deny on the phone reports the login as not the user's: it is stopped at once, and gone for the laptop.
          kindOf(after, 'ended');
          assert.equal((after as Extract<LoginStep, { kind: 'ended' }>).reason, 'expired');
        }
      }
    });
  });
}
