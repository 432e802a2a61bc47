import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PAIRING_TTL_MS, type PushSetup } from '../../plugin/factors/push/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { callPushRoute, jsonOf, SoftPhone } from '../support/pushPhone.ts';
import { createPushTestPlugin, pairPhone, type PushTestPlugin } from '../support/pushSteps.ts';
import { rejectsWith } from '../support/rejections.ts';

for (const kind of databaseKinds) {
  describe(`push approval: pairing a phone, on ${kind}`, () => {
    let t: PushTestPlugin;
    before(async () => {
      t = await createPushTestPlugin(kind);
    });
    after(() => t.drop());

    const provider = async () => t.mfa.registry.provider(t.mfa.registry.factory('push'), await t.mfa.settings.snapshot());

    it('pairs a phone from a one-time QR link, and counts it at login only once the user’s own page confirmed it', async () => {
      const user = t.host.addUser('pairs');
      const setup = (await t.mfa.enrolment.beginSetup(user, 'push', { label: 'Work phone' })) as PushSetup;
      assert.match(setup.pairingUrl ?? '', /^http:\/\/localhost\/push\/device\?pair=[0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId) }, { actor: 'pairs', ip: null }), 'INVALID_INPUT');

      const phone = new SoftPhone('Pixel');
      const paired = await phone.pair(await t.context(), setup.pairingUrl ?? '');
      assert.equal(paired.status, 200);
      assert.equal(paired.json.name, 'Pixel');
      assert.equal(await (await provider()).configuredFor(user), false, 'a paired phone is not usable before the page confirms it');
      // The door's page polls resumeSetup: paired now, so the step is no longer a wait.
      const resumed = (await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: String(setup.setupId) })) as PushSetup;
      assert.equal(resumed.paired, true);
      assert.equal(resumed.pairingUrl, null, 'the secret is stored hashed: never shown again');
      assert.equal(t.mfa.registry.factory('push').presentation?.presentSetup?.(resumed).confirm.kind, 'acknowledge');

      const device = await t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId) }, { actor: 'pairs', ip: null });
      assert.equal(device.label, 'Pixel');
      assert.equal(await (await provider()).configuredFor(user), true);
      assert.deepEqual((await t.mfa.enrolment.devices(user)).map((d) => [d.factor, d.label]), [['push', 'Pixel']]);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_added' }))[0]?.factor, 'push');
    });

    it('refuses a pairing link used twice, an expired one, a forged one, and a key that did not sign it', async () => {
      const user = t.host.addUser('links');
      const context = await t.context();
      const first = (await t.mfa.enrolment.beginSetup(user, 'push', {})) as PushSetup;
      assert.equal((await new SoftPhone().pair(context, first.pairingUrl ?? '')).status, 200);
      const again = await new SoftPhone('Second').pair(context, first.pairingUrl ?? '');
      assert.equal(again.status, 409);
      assert.match(String(again.json.message), /already been paired/);

      const late = (await t.mfa.enrolment.beginSetup(user, 'push', {})) as PushSetup;
      t.clock.advance(PAIRING_TTL_MS + 1);
      const expired = await new SoftPhone().pair(await t.context(), late.pairingUrl ?? '');
      assert.equal(expired.status, 410);
      assert.equal(await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: String(late.setupId) }), null, 'the page goes back: the pairing is gone');

      const open = (await t.mfa.enrolment.beginSetup(user, 'push', {})) as PushSetup;
      const forged = (open.pairingUrl ?? '').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      assert.equal((await new SoftPhone().pair(await t.context(), forged)).status, 410);

      // A key that is not the one that signed: somebody pairing a public key they do not hold.
      const holder = new SoftPhone();
      const other = new SoftPhone();
      const pair = new URL(open.pairingUrl ?? '').searchParams.get('pair') ?? '';
      const unsigned = jsonOf(
        await callPushRoute(await t.context(), 'POST', '/push/device/pair', { body: { pair, name: 'X', key: holder.publicJwk, signature: other.sign('pair', [pair, 'X']) } }),
      );
      assert.equal(unsigned.status, 401);
      assert.equal((await holder.pair(await t.context(), open.pairingUrl ?? '')).status, 200, 'the link still works for the rightful phone');
    });

    it('answers bad pairing bodies with 400 and a message, never a 500', async () => {
      const context = await t.context();
      for (const body of [{}, { pair: 'x'.repeat(20), name: '', key: {}, signature: 'a' }, { pair: 'short', name: 'n', key: { kty: 'RSA' }, signature: 'x' }, 'text']) {
        const reply = jsonOf(await callPushRoute(context, 'POST', '/push/device/pair', { body }));
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.equal(typeof reply.json.message, 'string');
      }
      const notOnCurve = jsonOf(
        await callPushRoute(context, 'POST', '/push/device/pair', { body: { pair: `1.${'A'.repeat(8)}.${'B'.repeat(32)}`, name: 'n', key: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }, signature: 'A'.repeat(86) } }),
      );
      assert.ok(notOnCurve.status >= 400 && notOnCurve.status < 500);
    });

    it('renames and removes phones; a removed phone reads nothing and its user keeps the others', async () => {
      const user = t.host.addUser('several');
      const kept = await pairPhone(t, user, new SoftPhone('Kept'));
      const gone = await pairPhone(t, user, new SoftPhone('Gone'));
      const devices = await t.mfa.enrolment.devices(user);
      assert.deepEqual(devices.map((d) => d.label), ['Kept', 'Gone']);
      const goneId = devices[1]?.id ?? 0;
      assert.equal(await t.mfa.enrolment.rename(user, 'push', devices[0]?.id ?? 0, 'Kept phone', { actor: 'several', ip: null }), 'Kept phone');
      await t.mfa.enrolment.remove(user, 'push', goneId, { actor: 'several', ip: null });
      const refused = jsonOf(await callPushRoute(await t.context(), 'GET', '/push/device/pending', { query: await gone.readQuery(await t.context()) }));
      assert.equal(refused.status, 403);
      assert.equal(refused.json.error, 'not_paired');
      assert.deepEqual(await kept.pending(await t.context()), []);
      const stranger = t.host.addUser('stranger');
      await rejectsWith(t.mfa.enrolment.remove(stranger, 'push', devices[0]?.id ?? 0, { actor: 'stranger', ip: null }), 'NOT_FOUND');
    });

    it('serves nothing while the factor is off', async () => {
      await t.mfa.settings.set('factor.push.enabled', false, 'test');
      try {
        const reply = jsonOf(await callPushRoute(await t.context(), 'GET', '/push/device/nonce'));
        assert.equal(reply.status, 404);
      } finally {
        await t.mfa.settings.set('factor.push.enabled', true, 'test');
      }
    });
  });
}
