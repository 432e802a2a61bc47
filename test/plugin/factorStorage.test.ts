import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailFactor } from '../../plugin/factors/email/index.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { trustedDeviceFactor } from '../../plugin/factors/trusted-device/index.ts';
import { webauthnFactor } from '../../plugin/factors/webauthn/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { facts } from '../support/emailSteps.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';

for (const kind of databaseKinds) {
  describe(`the engine's factor storage on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    const contextOf = async (factory: typeof totpFactor | typeof webauthnFactor | typeof emailFactor | typeof trustedDeviceFactor) =>
      t.mfa.registry.contextFor(factory, await t.mfa.settings.snapshot());

    it('writes a record only from the version it was read at, and keeps each factor to its own records', async () => {
      const user = t.host.addUser('storage-records');
      const totp = (await contextOf(totpFactor)).storage.records;
      const email = (await contextOf(emailFactor)).storage.records;
      const record = await totp.insert(user.id, { label: 'Phone', data: { n: 1 }, confirmed: true });
      assert.ok(record);
      assert.equal(await totp.update(record, { data: { n: 2 } }), true);
      assert.equal(await totp.update(record, { data: { n: 3 } }), false, 'the version read is stale now');
      assert.deepEqual((await totp.get(user.id, record.id))?.data, { n: 2 });
      assert.equal(await email.get(user.id, record.id), null, 'another factor cannot read it');
      assert.equal(await email.remove(user.id, record.id), false, 'nor remove it');
      assert.equal(await totp.get('someone-else', record.id), null, 'nor another user');
      assert.equal(await totp.countUsers(), 1);
    });

    it('keeps keys unique within a factor, not across factors', async () => {
      const user = t.host.addUser('storage-keys');
      const webauthn = (await contextOf(webauthnFactor)).storage.records;
      const totp = (await contextOf(totpFactor)).storage.records;
      assert.ok(await webauthn.insert(user.id, { label: 'Key', key: 'same-key', data: {}, confirmed: true }));
      assert.equal(await webauthn.insert(user.id, { label: 'Copy', key: 'same-key', data: {} }), null, 'the second insert of a key is refused');
      assert.ok(await totp.insert(user.id, { label: 'Other', key: 'same-key', data: {} }), 'another factor may use the same key');
      assert.equal((await webauthn.findByKey('same-key'))?.label, 'Key');
      assert.equal((await totp.findByKey('same-key'))?.label, 'Other');
    });

    it('swaps attempt state only from what was read; the first write claims an empty slot once', async () => {
      const user = t.host.addUser('storage-attempts');
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.ok(opened.outcome !== 'not_required');
      const states = (await contextOf(emailFactor)).storage.attempts;
      assert.equal(await states.read(opened.attempt.id), null);
      const [a, b] = await Promise.all([states.swap(opened.attempt.id, null, { by: 'a' }), states.swap(opened.attempt.id, null, { by: 'b' })]);
      assert.equal(Number(a) + Number(b), 1, 'one of two first writes wins');
      const stored = await states.read(opened.attempt.id);
      assert.ok(stored);
      assert.equal(await states.swap(opened.attempt.id, stored, { by: 'c' }), true);
      assert.equal(await states.swap(opened.attempt.id, stored, { by: 'd' }), false, 'a stale read cannot write');
      assert.deepEqual((await states.read(opened.attempt.id))?.value, { by: 'c' });
      assert.equal(await (await contextOf(totpFactor)).storage.attempts.read(opened.attempt.id), null, 'another factor’s state is its own');
    });

    it('counts a limit per factor and user, and gives a unit back', async () => {
      const limits = (await contextOf(emailFactor)).storage.limits;
      const first = await limits.take('u1', 'sends', 1, 3_600_000);
      assert.ok(first.taken);
      const second = await limits.take('u1', 'sends', 1, 3_600_000);
      assert.ok(!second.taken && second.retryAfterSeconds > 0);
      assert.ok((await (await contextOf(totpFactor)).storage.limits.take('u1', 'sends', 1, 3_600_000)).taken, 'another factor counts apart');
      await first.giveBack();
      assert.ok((await limits.take('u1', 'sends', 1, 3_600_000)).taken);
    });

    it('opens a factor’s own tables and refuses engine tables and tables it does not declare', async () => {
      const trusted = (await contextOf(trustedDeviceFactor)).ownTables;
      assert.deepEqual(await trusted('mfa_trusted_devices').where({ user_id: 'nobody' }), []);
      assert.throws(() => trusted('mfa_user_factors'), /engine table mfa_user_factors/);
      await assert.rejects(async () => (await contextOf(totpFactor)).ownTables('mfa_trusted_devices'), /does not declare/);
    });
  });
}
