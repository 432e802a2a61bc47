import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import type { PendingPush, PushSetup } from '../../plugin/factors/push/index.ts';
import type { FactorContext } from '../../plugin/spi/factor.ts';
import { databaseKinds } from '../support/databases.ts';
import { assertMoodleError, MoodleAppClient } from '../support/moodleApp.ts';
import { SoftPhone, wrongNumber } from '../support/pushPhone.ts';
import { createPushSite } from '../support/pushSite.ts';
import type { TestSite } from '../support/testSite.ts';

/**
 * Push approval at login/token.php, for an app without a browser: mfa_factor=push and
 * mfa_send=1 ask the phone (the reply carries the number for the app to show), then the app
 * calls again with its mfa_token alone until the phone answered. The phone is a soft one
 * posting to the site over HTTP, as the device page does.
 */
for (const kind of databaseKinds) {
  describe(`push approval at login/token.php (${kind})`, () => {
    let site: TestSite;
    let context: () => Promise<FactorContext>;
    before(async () => {
      ({ site, context } = await createPushSite(kind));
      await site.mfa.settings.set('mobile_app_mfa', true, 'admin');
    });
    after(() => site.close());

    async function withPairedPhone(username: string): Promise<SoftPhone> {
      await site.addUser(username);
      const user = await site.mfa.registry.host.findUserByUsername(username);
      assert.ok(user);
      const setup = (await site.mfa.enrolment.beginSetup(user, 'push', {})) as PushSetup;
      const phone = new SoftPhone();
      const pair = new URL(setup.pairingUrl ?? '').searchParams.get('pair') ?? '';
      const paired = await supertest(site.app).post('/push/device/pair').send({ pair, name: phone.name, key: phone.publicJwk, signature: phone.sign('pair', [pair, phone.name]) }).expect(200);
      phone.handle = paired.body.device;
      await site.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: paired.body.code }, { actor: username, ip: null });
      return phone;
    }

    async function phoneSees(phone: SoftPhone): Promise<PendingPush> {
      const nonce = (await supertest(site.app).get('/push/device/nonce').expect(200)).body.nonce as string;
      const pending = await supertest(site.app)
        .get('/push/device/pending')
        .query({ device: phone.handle, nonce, signature: phone.sign('read', [phone.handle, nonce]) })
        .expect(200);
      const [push] = pending.body.pushes as PendingPush[];
      assert.ok(push, 'the phone shows the request');
      return push;
    }

    const answer = (phone: SoftPhone, push: PendingPush, decision: 'approve' | 'deny', number = '') => supertest(site.app).post('/push/device/answer').send(phone.answerBody(push, decision, number));

    it('asks the phone, waits without counting, and gives the token once the right number is picked', async () => {
      const phone = await withPairedPhone('app-push');
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login('app-push');
      assertMoodleError(first, 'mfarequired');
      assert.ok((first.body.mfa_factors as string[]).includes('push'), 'push works without a browser');
      const mfa_token: string = first.body.mfa_token;
      const sent = await app.call({ mfa_token, mfa_factor: 'push', mfa_send: '1' });
      assert.equal(sent.body.mfa_sent, true, sent.text);
      assert.equal(sent.body.token, undefined);
      assert.match(String(sent.body.mfa_number), /^[1-9][0-9]$/, 'the number for the app to show');
      const waiting = await app.call({ mfa_token });
      assertMoodleError(waiting, 'mfapending');
      const push = await phoneSees(phone);
      assert.match(push.from.browser, /./);
      await answer(phone, push, 'approve', String(sent.body.mfa_number)).expect(200);
      const issued = await app.call({ mfa_token });
      assert.match(String(issued.body.token), /^[A-Za-z0-9_-]{20,}$/, issued.text);
      assertMoodleError(await app.call({ mfa_token }), 'mfatokenexpired');
      const userId = (await site.mfa.registry.host.findUserByUsername('app-push'))?.id;
      const failures = await site.database.db('mfa_factor_failures').where({ user_id: userId }).sum({ n: 'failures' }).first();
      assert.equal(Number(failures?.n ?? 0), 0, 'polling is no wrong answer');
    });

    it('a wrong number gives no token and counts once; a new request with the same mfa_token then works', async () => {
      const phone = await withPairedPhone('app-wrong');
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login('app-wrong', { mfa_factor: 'push', mfa_send: '1' });
      const mfa_token: string = first.body.mfa_token;
      const push = await phoneSees(phone);
      const refused = await answer(phone, push, 'approve', wrongNumber(push.choices, String(first.body.mfa_number))).expect(403);
      assert.equal(refused.body.error, 'wrong_number');
      assertMoodleError(await app.call({ mfa_token }), 'mfapending');
      const again = await app.call({ mfa_token, mfa_factor: 'push', mfa_send: '1' });
      assert.notEqual(again.body.mfa_number, undefined);
      const next = await phoneSees(phone);
      assert.notEqual(next.pushId, push.pushId);
      await answer(phone, next, 'approve', String(again.body.mfa_number)).expect(200);
      assert.match(String((await app.call({ mfa_token })).body.token), /^[A-Za-z0-9_-]{20,}$/);
    });

    it('Deny ends the login: the app is told the mfa_token is spent', async () => {
      const phone = await withPairedPhone('app-deny');
      const app = new MoodleAppClient(site, 'GET');
      const first = await app.login('app-deny', { mfa_factor: 'push', mfa_send: '1' });
      assert.equal(first.body.mfa_sent, true, first.text);
      await answer(phone, await phoneSees(phone), 'deny').expect(200);
      // Deny reports the login as not the user's: the attempt is cancelled at once, so the door finds no login left.
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token }), 'mfatokenexpired');
    });

    it('an expired request is refused on the phone; the app is still waiting and may ask again', async () => {
      const phone = await withPairedPhone('app-late');
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login('app-late', { mfa_factor: 'push', mfa_send: '1' });
      const mfa_token: string = first.body.mfa_token;
      const push = await phoneSees(phone);
      site.clock.advance(121_000);
      const late = await answer(phone, push, 'approve', String(first.body.mfa_number)).expect(410);
      assert.equal(late.body.error, 'expired');
      assertMoodleError(await app.call({ mfa_token }), 'mfapending');
      const again = await app.call({ mfa_token, mfa_factor: 'push', mfa_send: '1' });
      assert.equal(again.body.mfa_sent, true, again.text);
    });
  });
}
