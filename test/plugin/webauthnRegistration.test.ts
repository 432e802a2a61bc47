import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renameCredential, webauthnFactor } from '../../plugin/factors/webauthn/index.ts';
import type { FactorProvider } from '../../plugin/spi/factor.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { dataField, storedRecord } from '../support/factorRecords.ts';
import { SoftAuthenticator } from '../support/softAuthenticator.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { enrolKey } from '../support/webauthnKeys.ts';
import { rejectionMessage as rejectsWith } from '../support/rejections.ts';

const ORIGIN = 'http://localhost'; // MemoryHost.siteOrigin()


for (const kind of databaseKinds) {
  describe(`WebAuthn registration on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    async function provider(): Promise<FactorProvider> {
      return t.mfa.registry.provider(t.mfa.registry.factory('webauthn'), await t.mfa.settings.snapshot());
    }

    const enrol = (user: HostUser, key: SoftAuthenticator, label?: string) => enrolKey(t, user, key, label);

    it('offers registration options for this site, with an opaque user handle and the user’s existing keys excluded', async () => {
      const user = t.host.addUser('reg-options');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const first = await enrol(user, key);
      const setup = await t.mfa.enrolment.beginSetup(user, webauthnFactor, {});
      assert.equal(setup.options.rp.id, 'localhost');
      assert.equal(setup.options.rp.name, 'Test Site');
      assert.equal(setup.options.user.name, user.username);
      assert.notEqual(Buffer.from(setup.options.user.id, 'base64url').toString('utf8'), user.username);
      assert.notEqual(Buffer.from(setup.options.user.id, 'base64url').toString('utf8'), user.id);
      assert.equal(Buffer.from(setup.options.user.id, 'base64url').length, 32);
      assert.equal(setup.options.attestation, 'none');
      assert.equal(setup.options.timeout, 60_000);
      assert.equal(setup.options.authenticatorSelection?.userVerification, 'preferred');
      assert.equal(setup.options.authenticatorSelection?.authenticatorAttachment, undefined);
      const stored = await storedRecord(t.mfa, 'webauthn', user.id, first);
      assert.deepEqual(setup.options.excludeCredentials?.map((c) => c.id), [stored?.key]);
      assert.equal(setup.expiresAt, t.clock.time + 60_000);
    });

    it('registers several named keys, stores the public key and counter, and lists, renames and removes them', async () => {
      const user = t.host.addUser('reg-keys');
      const other = t.host.addUser('reg-other');
      const blue = await enrol(user, new SoftAuthenticator({ origin: ORIGIN }), 'Blue key');
      const phone = await enrol(user, new SoftAuthenticator({ origin: ORIGIN }), 'Phone passkey');
      const factor = await provider();
      assert.deepEqual((await factor.listDevices?.(user))?.map((d) => d.label), ['Blue key', 'Phone passkey']);
      const context = t.mfa.registry.context(await t.mfa.settings.snapshot()).forFactor('webauthn');
      const record = await storedRecord(t.mfa, 'webauthn', user.id, blue);
      assert.ok(record?.key && dataField(record, 'secret') && record.confirmedAt !== null, 'a confirmed record with the credential id (its key) and public key');
      assert.equal(dataField(record, 'counter'), 0);
      assert.deepEqual(dataField(record, 'transports'), ['internal']);
      assert.equal(await renameCredential(context, user, blue, '  Office key '), true);
      assert.equal(await renameCredential(context, other, blue, 'Stolen'), false);
      assert.equal((await factor.listDevices?.(user))?.[0]?.label, 'Office key');
      assert.equal(await factor.revoke?.(other, phone), false);
      await t.mfa.enrolment.remove(user, 'webauthn', phone, { actor: user.username, ip: null });
      assert.deepEqual((await factor.listDevices?.(user))?.map((d) => d.id), [blue]);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_added' })).length, 2);
    });

    it('answers a registration challenge once, and not after it expired', async () => {
      const user = t.host.addUser('reg-once');
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const setup = await t.mfa.enrolment.beginSetup(user, webauthnFactor, {});
      const response = key.register(setup.options);
      const by = { actor: user.username, ip: null };
      await t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: setup.setupId, response }, by);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: setup.setupId, response }, by), 'SETUP_EXPIRED');
      const late = await t.mfa.enrolment.beginSetup(user, webauthnFactor, {});
      const lateResponse = new SoftAuthenticator({ origin: ORIGIN }).register(late.options);
      t.clock.advance(60_001);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: late.setupId, response: lateResponse }, by), 'SETUP_EXPIRED');
      assert.equal((await (await provider()).listDevices?.(user))?.length, 1);
    });

    it('refuses a registration from another origin, another user’s set-up, and a key registered already', async () => {
      const user = t.host.addUser('reg-refused');
      const mallory = t.host.addUser('reg-mallory');
      const by = { actor: user.username, ip: null };
      const wrongOrigin = await t.mfa.enrolment.beginSetup(user, webauthnFactor, {});
      const phished = new SoftAuthenticator({ origin: ORIGIN }).register(wrongOrigin.options, { origin: 'http://evil.test' });
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: wrongOrigin.setupId, response: phished }, by), 'INVALID_CODE');
      const theirs = await t.mfa.enrolment.beginSetup(mallory, webauthnFactor, {});
      const answer = new SoftAuthenticator({ origin: ORIGIN }).register(theirs.options);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: theirs.setupId, response: answer }, by), 'SETUP_EXPIRED');
      // §7.1 step 22: the same credential id offered for a second account is refused.
      const key = new SoftAuthenticator({ origin: ORIGIN });
      await enrol(user, key);
      const [registeredId] = [...key.credentials.keys()];
      const again = await t.mfa.enrolment.beginSetup(mallory, webauthnFactor, {});
      const copy = key.register(again.options, { credentialId: Buffer.from(registeredId ?? '', 'base64url') });
      const message = await rejectsWith(t.mfa.enrolment.confirmSetup(mallory, 'webauthn', { setupId: again.setupId, response: copy }, by), 'INVALID_INPUT');
      assert.match(message, /cannot be registered/);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: 1, response: '' }, by), 'INVALID_INPUT');
    });

  });
}
