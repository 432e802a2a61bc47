import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { keyIdOf } from '../../plugin/crypto/keyRing.ts';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { RecoveryCodesSetup } from '../../plugin/factors/recovery-codes/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { pluginWithKeys, sealTotpAsBeforeSubkeys, storedTotpSecret } from '../support/keyRotation.ts';
import { rejectsWith } from '../support/rejections.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';

const facts = { ip: '203.0.113.5', userAgent: 'test' };

/** One login with a TOTP code through `mfa`: the outcome the engine gives. */
async function loginWithTotp(mfa: MfaPlugin, user: HostUser, secret: string, now: number): Promise<string> {
  const opened = await mfa.engine.openAttempt({ user, door: 'web', facts });
  assert.ok(opened.outcome === 'pending');
  return (await mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, now) }, facts)).outcome;
}

for (const kind of databaseKinds) {
  describe(`rotating MFA_SECRET_KEY on ${kind}`, () => {
    let t: TestPlugin;
    const newKey = randomBytes(32);
    let rotated: MfaPlugin;
    let newKeyOnly: MfaPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
      await t.mfa.settings.set('enabled', true, 'test');
      const parts = { db: t.database.db, host: t.host, now: t.clock.now };
      rotated = pluginWithKeys(parts, newKey, [t.secretKey]);
      newKeyOnly = pluginWithKeys(parts, newKey);
    });
    after(async () => {
      await Promise.all([rotated.notifications.settled(), newKeyOnly.notifications.settled()]);
      await t.drop();
    });

    it('a TOTP secret sealed under the old key, or before per-purpose keys, still works after the rotation and moves to the new key when used', async () => {
      const ada = t.host.addUser('ada');
      const { secret: adaSecret } = await enrolTotp(t, ada);
      const bob = t.host.addUser('bob');
      const { secret: bobSecret } = await enrolTotp(t, bob);
      await sealTotpAsBeforeSubkeys(t.database.db, bob.id, bobSecret, t.secretKey);
      assert.ok((await storedTotpSecret(t.database.db, ada.id)).startsWith(`v2:${keyIdOf(t.secretKey)}:`));
      assert.ok((await storedTotpSecret(t.database.db, bob.id)).startsWith('v1:'));

      assert.equal(await loginWithTotp(rotated, ada, adaSecret, t.clock.time), 'passed');
      assert.equal(await loginWithTotp(rotated, bob, bobSecret, t.clock.time), 'passed');
      for (const user of [ada, bob]) assert.ok((await storedTotpSecret(t.database.db, user.id)).startsWith(`v2:${keyIdOf(newKey)}:`), `${user.username}'s secret re-sealed under the new key`);

      // The old key can go now: both devices work under the new key alone.
      t.clock.advance(30_000);
      assert.equal(await loginWithTotp(newKeyOnly, ada, adaSecret, t.clock.time), 'passed');
      assert.equal(await loginWithTotp(newKeyOnly, bob, bobSecret, t.clock.time), 'passed');
    });

    it('recovery codes hashed under the old key work while it is configured, and stop once it is dropped', async () => {
      const cy = t.host.addUser('cy');
      const setup = (await t.mfa.enrolment.beginSetup(cy, 'recovery_codes', {})) as RecoveryCodesSetup;
      await t.mfa.enrolment.confirmSetup(cy, 'recovery_codes', { setupId: setup.setupId }, { actor: 'cy', ip: null });
      const [first = '', second = ''] = setup.codes;
      const opened = await rotated.engine.openAttempt({ user: cy, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      assert.equal((await rotated.engine.verify(opened.attempt.id, 'recovery_codes', { code: first }, facts)).outcome, 'passed');
      const later = await newKeyOnly.engine.openAttempt({ user: cy, door: 'web', facts });
      assert.ok(later.outcome === 'pending');
      await rejectsWith(newKeyOnly.engine.verify(later.attempt.id, 'recovery_codes', { code: second }, facts), 'INVALID_CODE');
    });

    it('a new device set up after the rotation is sealed under the new key and never opens under the old one', async () => {
      const dee = t.host.addUser('dee');
      const setup = (await rotated.enrolment.beginSetup(dee, 'totp', {})) as { setupId: number; secret: string };
      await rotated.enrolment.confirmSetup(dee, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, t.clock.time) }, { actor: 'dee', ip: null });
      assert.ok((await storedTotpSecret(t.database.db, dee.id)).startsWith(`v2:${keyIdOf(newKey)}:`));
      t.clock.advance(30_000);
      const opened = await t.mfa.engine.openAttempt({ user: dee, door: 'web', facts });
      assert.ok(opened.outcome === 'pending');
      await rejectsWith(t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(setup.secret, t.clock.time) }, facts), 'CONFIGURATION');
    });
  });
}
