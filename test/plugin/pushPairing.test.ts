import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PAIRING_TTL_MS, type PushSetup } from '../../plugin/factors/push/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { databaseKinds } from '../support/databases.ts';
import { callPushRoute, jsonOf, SoftPhone } from '../support/pushPhone.ts';
import { askPhone, createPushTestPlugin, LAPTOP, pairPhone, pendingLogin, type PushTestPlugin } from '../support/pushSteps.ts';
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
      assert.equal(t.mfa.registry.factory('push').presentation?.presentSetup?.(resumed).confirm.kind, 'code', 'the page asks for the code the phone shows');

      const device = await t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: phone.pairingCode }, { actor: 'pairs', ip: null });
      assert.equal(device.label, 'Pixel');
      assert.equal(await (await provider()).configuredFor(user), true);
      assert.deepEqual((await t.mfa.enrolment.devices(user)).map((d) => [d.factor, d.label]), [['push', 'Pixel']]);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_added' }))[0]?.factor, 'push');
    });

    /** A six-digit code that is not `code`. */
    const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const setupOf = async (user: HostUser, input: Record<string, unknown>) => (await t.mfa.enrolment.beginSetup(user, 'push', input)) as PushSetup;
    const stepOf = (setup: object | null) => {
      assert.ok(setup, 'the pairing is still open');
      const step = t.mfa.registry.factory('push').presentation?.presentSetup?.(setup);
      assert.ok(step);
      return step;
    };

    it('pairs only the phone whose code the owner types: an attacker’s phone that opened the link first is not paired by the page, and cannot approve the owner’s next login (issue 20 item 3)', async () => {
      const owner = t.host.addUser('owner');
      const setup = await setupOf(owner, { label: 'My phone' });
      const attacker = new SoftPhone('Owner’s phone');
      const opened = await attacker.pair(await t.context(), setup.pairingUrl ?? '');
      assert.equal(opened.status, 200, 'the first phone to open the link gets in line, as before');

      // What the owner's page used to post by itself once a phone had paired: the step's carry fields and nothing else.
      const waiting = stepOf(await t.mfa.enrolment.resumeSetup(owner, 'push', { setupId: String(setup.setupId) }));
      const selfPosted = await t.mfa.enrolment.confirmSetup(owner, 'push', { ...waiting.carry }, { actor: 'owner', ip: null }).then(
        () => 'the page paired the phone without its code',
        (error: unknown) => error,
      );
      assert.notEqual(selfPosted, 'the page paired the phone without its code');
      assert.equal(await (await provider()).configuredFor(owner), false, 'no phone is paired until its code is typed');
      assert.deepEqual(await t.mfa.enrolment.devices(owner), []);

      // The page asks for the code that phone shows, and says which phone it is.
      assert.equal(waiting.confirm.kind, 'code');
      const shown = JSON.stringify(waiting.blocks);
      assert.match(shown, /Owner’s phone/, 'the name the phone gave itself');
      assert.match(shown, /Chrome on Android/, 'and what it is, which the phone cannot choose');
      assert.match(shown, /198\.51\.100\.0\/24/, 'and the network it opened the link from');
      assert.match(attacker.pairingCode, /^[0-9]{6}$/, 'only the phone that opened the link is given the code');
      assert.doesNotMatch(shown, new RegExp(attacker.pairingCode), 'the laptop never shows the code: it is typed there');

      const wrong = await rejectsWith(t.mfa.enrolment.confirmSetup(owner, 'push', { ...waiting.carry, code: otherCode(attacker.pairingCode) }, { actor: 'owner', ip: null }), 'INVALID_CODE');
      assert.equal(wrong.triesLeft, 2);
      assert.match(String(wrong.message), /That code is not right\. 2 tries left\./);
      const refused = await attacker.read(await t.context());
      assert.equal(refused.status, 403, 'the attacker’s phone reads no login');
      assert.equal(refused.json.error, 'not_confirmed');

      // The owner's own phone finds the link used, so the owner shows a new code; the attacker's pairing goes with the old one.
      const mine = new SoftPhone('My phone');
      assert.equal((await mine.pair(await t.context(), setup.pairingUrl ?? '')).status, 409);
      const again = await setupOf(owner, { label: 'My phone' });
      assert.equal((await mine.pair(await t.context(), again.pairingUrl ?? '')).status, 200);
      assert.notEqual(mine.pairingCode, attacker.pairingCode);
      await rejectsWith(t.mfa.enrolment.confirmSetup(owner, 'push', { setupId: String(again.setupId), code: attacker.pairingCode }, { actor: 'owner', ip: null }), 'INVALID_CODE');
      const device = await t.mfa.enrolment.confirmSetup(owner, 'push', { setupId: String(again.setupId), code: mine.pairingCode }, { actor: 'owner', ip: null });
      assert.equal(device.label, 'My phone');
      assert.deepEqual((await t.mfa.enrolment.devices(owner)).map((d) => d.label), ['My phone']);
      assert.equal((await attacker.read(await t.context())).json.error, 'not_paired');

      // The owner's next login: their phone is asked and approves; the attacker's phone cannot answer it.
      const attemptId = await pendingLogin(t, owner);
      const challenge = await askPhone(t, attemptId);
      assert.deepEqual(challenge.devices, ['My phone']);
      const [push] = await mine.pending(await t.context());
      assert.ok(push);
      const forged = await attacker.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(forged.status, 403);
      assert.equal(forged.json.error, 'not_paired');
      assert.equal((await mine.answer(await t.context(), push, 'approve', challenge.number)).json.outcome, 'approved');
      assert.equal((await t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP)).outcome, 'passed');
    });

    it('voids a pairing after three wrong codes: that phone is never paired, and pairing begins again', async () => {
      const user = t.host.addUser('mistypes');
      const setup = await setupOf(user, {});
      const phone = new SoftPhone();
      assert.equal((await phone.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      const input = { setupId: String(setup.setupId), code: otherCode(phone.pairingCode) };
      assert.equal((await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', input, { actor: 'mistypes', ip: null }), 'INVALID_CODE')).triesLeft, 2);
      assert.equal((await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', input, { actor: 'mistypes', ip: null }), 'INVALID_CODE')).triesLeft, 1);
      const last = await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', input, { actor: 'mistypes', ip: null }), 'INVALID_CODE');
      assert.equal(last.triesLeft, 0);
      assert.match(String(last.message), /Pair a phone/);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', { setupId: input.setupId, code: phone.pairingCode }, { actor: 'mistypes', ip: null }), 'SETUP_EXPIRED');
      assert.equal(await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: input.setupId }), null, 'the page goes back: the pairing is gone');
      assert.equal((await phone.read(await t.context())).json.error, 'not_paired');
      assert.deepEqual(await t.mfa.enrolment.devices(user), []);
    });

    it('counts every wrong code sent at once: of five, three are refused with the tries left and two find the pairing void', async () => {
      const user = t.host.addUser('guesses');
      const setup = await setupOf(user, {});
      const phone = new SoftPhone();
      assert.equal((await phone.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      const guesses = Array.from({ length: 5 }, (_, i) => String((Number(phone.pairingCode) + 1 + i) % 1_000_000).padStart(6, '0'));
      const outcomes = await Promise.all(
        guesses.map((code) =>
          t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code }, { actor: 'guesses', ip: null }).then(
            () => 'paired',
            (error: { code: string; details: { triesLeft?: number } }) => (error.code === 'INVALID_CODE' ? `wrong, ${error.details.triesLeft} left` : error.code),
          ),
        ),
      );
      assert.deepEqual(outcomes.sort(), ['SETUP_EXPIRED', 'SETUP_EXPIRED', 'wrong, 0 left', 'wrong, 1 left', 'wrong, 2 left']);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: phone.pairingCode }, { actor: 'guesses', ip: null }), 'SETUP_EXPIRED');
    });

    it('pairs one phone for two confirmations of the right code sent at once; the other was told it was finished already', async () => {
      const user = t.host.addUser('twice');
      const setup = await setupOf(user, {});
      const phone = new SoftPhone();
      assert.equal((await phone.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      const input = { setupId: String(setup.setupId), code: phone.pairingCode };
      const outcomes = await Promise.all([0, 1].map(() => t.mfa.enrolment.confirmSetup(user, 'push', input, { actor: 'twice', ip: null }).then(() => 'paired', (error: { code: string }) => error.code)));
      assert.deepEqual(outcomes.sort(), ['SETUP_EXPIRED', 'paired']);
      assert.equal((await t.mfa.enrolment.devices(user)).length, 1);
    });

    it('gives the code a few minutes: typed later, the pairing is over and must begin again', async () => {
      const user = t.host.addUser('slow');
      const setup = await setupOf(user, {});
      const phone = new SoftPhone();
      assert.equal((await phone.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      const resumed = (await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: String(setup.setupId) })) as PushSetup;
      t.clock.time = resumed.expiresAt;
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: phone.pairingCode }, { actor: 'slow', ip: null }), 'SETUP_EXPIRED');
      assert.equal(await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: String(setup.setupId) }), null);
      assert.equal((await phone.read(await t.context())).json.error, 'not_paired', 'the phone stops waiting and forgets its key');
    });

    it('lets a second phone on the same link neither replace the first nor learn its code: the first phone’s code pairs the first phone', async () => {
      const user = t.host.addUser('secondphone');
      const setup = await setupOf(user, {});
      const first = new SoftPhone('First');
      const second = new SoftPhone('Second');
      assert.equal((await first.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      const late = await second.pair(await t.context(), setup.pairingUrl ?? '');
      assert.equal(late.status, 409);
      assert.equal(late.json.code, undefined, 'no code for the second phone');
      assert.match(String(late.json.message), /Show a new code/, 'the second phone is told what to do if it is the owner’s');
      assert.match(JSON.stringify(stepOf(await t.mfa.enrolment.resumeSetup(user, 'push', { setupId: String(setup.setupId) })).blocks), /First/);
      await t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: first.pairingCode }, { actor: 'secondphone', ip: null });
      assert.deepEqual(await first.pending(await t.context()), []);
      second.handle = first.handle;
      assert.equal((await second.read(await t.context())).json.error, 'bad_signature', 'the device is the first phone’s key, not the second’s');
    });

    it('keeps the code only as a keyed hash', async () => {
      const user = t.host.addUser('hashed');
      const setup = await setupOf(user, {});
      const phone = new SoftPhone();
      assert.equal((await phone.pair(await t.context(), setup.pairingUrl ?? '')).status, 200);
      assert.match(phone.pairingCode, /^[0-9]{6}$/);
      const rows = await t.database.db('mfa_user_factors').where({ factor: 'push' }).select('data');
      assert.ok(rows.length > 0);
      for (const row of rows) assert.doesNotMatch(String(row.data), new RegExp(phone.pairingCode));
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
