import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { callPushRoute, jsonOf, SoftPhone, wrongNumber } from '../support/pushPhone.ts';
import { askPhone, createPushTestPlugin, LAPTOP, loginAskingPhone, pairPhone, pendingLogin, type PushTestPlugin } from '../support/pushSteps.ts';
import { rejectsWith } from '../support/rejections.ts';

for (const kind of databaseKinds) {
  describe(`push approval: answering on the phone, on ${kind}`, () => {
    let t: PushTestPlugin;
    before(async () => {
      t = await createPushTestPlugin(kind);
    });
    after(() => t.drop());

    const provider = async () => t.mfa.registry.provider(t.mfa.registry.factory('push'), await t.mfa.settings.snapshot());
    const attemptView = async (attemptId: string) => (await t.mfa.engine.status(attemptId, LAPTOP)).attempt;

    it('shows the phone where and from what browser the login comes, three numbers with the right one among them, never which', async () => {
      const { challenge, push } = await loginAskingPhone(t, 'shows');
      assert.match(challenge.number, /^[1-9][0-9]$/);
      assert.equal(push.choices.length, 3);
      assert.equal(new Set(push.choices).size, 3);
      assert.ok(push.choices.includes(challenge.number));
      assert.deepEqual(push.from, { ip: '203.0.113.7', network: '203.0.113.0/24', browser: 'Chrome on Linux' });
      assert.equal(push.site, 'Test Site');
      assert.equal(JSON.stringify(push).includes('"number"'), false, 'the phone is not told which number is right');
      assert.equal(challenge.expiresAt - t.clock.now(), 120_000);
    });

    it('passes the login once the phone picks the right number, spent by the login’s own request, once', async () => {
      const { phone, attemptId, challenge, push } = await loginAskingPhone(t, 'right');
      assert.equal(await (await provider()).state(await attemptView(attemptId), LAPTOP), 'unknown');
      const reply = await phone.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(reply.status, 200);
      assert.equal(reply.json.outcome, 'approved');
      assert.equal(await (await provider()).state(await attemptView(attemptId), LAPTOP), 'pass', 'the waiting door learns it from state()');
      assert.equal((await t.mfa.engine.status(attemptId, LAPTOP)).outcome, 'pending', 'the phone did not pass the login itself');
      const passed = await t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP);
      assert.equal(passed.outcome, 'passed');
      assert.equal(await t.mfa.engine.consume(attemptId), true);
      const replay = await phone.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(replay.status, 409, 'a replayed signed answer');
      assert.equal(replay.json.error, 'already_answered');
    });

    it('counts a wrong number toward the lockout once, and lets the user ask again', async () => {
      const { user, phone, attemptId, challenge, push } = await loginAskingPhone(t, 'wrong');
      const reply = await phone.answer(await t.context(), push, 'approve', wrongNumber(push.choices, challenge.number));
      assert.equal(reply.status, 403);
      assert.equal(reply.json.error, 'wrong_number');
      assert.equal(reply.json.triesLeft, 9);
      // The login page asking afterwards is no second guess.
      const waiting = await rejectsWith(t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP), 'INVALID_INPUT');
      assert.equal(waiting.approval, 'wrong');
      const standing = (await t.mfa.engine.status(attemptId, LAPTOP)).factors.find((f) => f.id === 'push');
      assert.equal(standing?.triesLeft, 9);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_failed' }))[0]?.factor, 'push');
      assert.equal(await (await provider()).state(await attemptView(attemptId), LAPTOP), 'unknown', 'the login stands');
      const next = await askPhone(t, attemptId);
      assert.notEqual(next.pushId, challenge.pushId, 'a new request');
      assert.equal(next.alreadyOpen, false);
      const stale = await phone.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(stale.status, 410, 'an answer to the replaced request');
      assert.equal(stale.json.error, 'replaced');
    });

    it('locks the factor after too many wrong numbers', async () => {
      await t.mfa.settings.set('lockout_threshold', 2, 'test');
      try {
        const { phone, attemptId, challenge, push } = await loginAskingPhone(t, 'locks');
        assert.equal((await phone.answer(await t.context(), push, 'approve', wrongNumber(push.choices, challenge.number))).json.triesLeft, 1);
        const again = await askPhone(t, attemptId);
        const [second] = await phone.pending(await t.context());
        assert.ok(second);
        const locked = await phone.answer(await t.context(), second, 'approve', wrongNumber(second.choices, again.number));
        assert.equal(locked.status, 403);
        assert.equal(locked.json.triesLeft, 0);
        assert.match(String(locked.json.message), /locked/);
        await rejectsWith(askPhone(t, attemptId), 'FACTOR_LOCKED');
      } finally {
        await t.mfa.settings.set('lockout_threshold', 10, 'test');
      }
    });

    it('Deny stops the login as “This wasn’t me”: cancelled and audited', async () => {
      const { user, phone, attemptId, push } = await loginAskingPhone(t, 'denies');
      const reply = await phone.answer(await t.context(), push, 'deny');
      assert.equal(reply.status, 200);
      assert.equal(reply.json.outcome, 'denied');
      await rejectsWith(t.mfa.engine.status(attemptId, LAPTOP), 'ATTEMPT_EXPIRED');
      const [report] = await t.mfa.audit.recent({ userId: user.id, event: 'not_me_reported' });
      assert.equal(report?.factor, 'push');
      assert.equal(report?.ip, '198.51.100.20', 'the phone’s address');
      assert.equal((await phone.answer(await t.context(), push, 'approve', push.choices[0])).json.error, 'already_answered');
    });

    it('refuses an answer after the request expired, and the login page then offers a new one', async () => {
      const { phone, attemptId, challenge, push } = await loginAskingPhone(t, 'late');
      t.clock.advance(120_001);
      const reply = await phone.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(reply.status, 410);
      assert.equal(reply.json.error, 'expired');
      assert.deepEqual(await phone.pending(await t.context()), [], 'an expired request is not shown');
      assert.equal((await rejectsWith(t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP), 'INVALID_INPUT')).approval, 'expired');
      const next = await askPhone(t, attemptId);
      assert.notEqual(next.pushId, challenge.pushId);
    });

    it('refuses another user’s phone, a stolen device id signed with another key, and a tampered number', async () => {
      const { phone, attemptId, challenge, push } = await loginAskingPhone(t, 'victim');
      const other = await pairPhone(t, t.host.addUser('otheruser'));
      const foreign = await other.answer(await t.context(), push, 'approve', challenge.number);
      assert.equal(foreign.status, 403);
      assert.equal(foreign.json.error, 'not_your_login');

      const thief = new SoftPhone();
      const forged = jsonOf(await callPushRoute(await t.context(), 'POST', '/push/device/answer', { body: thief.answerBody(push, 'approve', challenge.number, phone.handle) }));
      assert.equal(forged.status, 401, 'a stolen device id signed with another key');
      assert.equal(forged.json.error, 'bad_signature');

      const tampered = { ...phone.answerBody(push, 'approve', wrongNumber(push.choices, challenge.number)), number: challenge.number };
      const changed = jsonOf(await callPushRoute(await t.context(), 'POST', '/push/device/answer', { body: tampered }));
      assert.equal(changed.status, 401, 'the number is signed: changing it breaks the signature');
      assert.equal(await (await provider()).state(await attemptView(attemptId), LAPTOP), 'unknown', 'nothing was approved');
      assert.equal((await phone.answer(await t.context(), push, 'approve', challenge.number)).json.outcome, 'approved', 'the real phone still can');
    });

    it('keeps one open request per login: asking again shows the same number and does not ask the phone again', async () => {
      const user = t.host.addUser('once');
      const phone = await pairPhone(t, user);
      const attemptId = await pendingLogin(t, user);
      const first = await askPhone(t, attemptId);
      const second = await askPhone(t, attemptId);
      assert.equal(second.pushId, first.pushId);
      assert.equal(second.number, first.number);
      assert.equal(second.alreadyOpen, true);
      assert.equal((await phone.pending(await t.context())).length, 1);
    });

    it('answers bad answer bodies with 400 and a message', async () => {
      const context = await t.context();
      for (const body of [{}, { device: 'x', attemptId: 'a', pushId: 'p', decision: 'maybe', number: '1', signature: 's' }, [1, 2], null]) {
        const reply = jsonOf(await callPushRoute(context, 'POST', '/push/device/answer', { body }));
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.match(String(reply.json.message), /\w/);
      }
      const unknown = jsonOf(await callPushRoute(context, 'POST', '/push/device/answer', { body: new SoftPhone().answerBody({ attemptId: 'a', pushId: 'p' }, 'deny', '', '99.QQ') }));
      assert.equal(unknown.status, 403);
      assert.equal(unknown.json.error, 'not_paired');
    });
  });
}
