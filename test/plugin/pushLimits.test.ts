import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { READ_NONCE_MS } from '../../plugin/factors/push/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { callPushRoute, jsonOf, SoftPhone } from '../support/pushPhone.ts';
import { askPhone, createPushTestPlugin, LAPTOP, pairPhone, pendingLogin, type PushTestPlugin } from '../support/pushSteps.ts';
import { rejectsWith } from '../support/rejections.ts';

for (const kind of databaseKinds) {
  describe(`push approval: bombing, races and the phone's reads, on ${kind}`, () => {
    let t: PushTestPlugin;
    before(async () => {
      t = await createPushTestPlugin(kind);
    });
    after(() => t.drop());

    it('sends at most max_pushes_per_hour requests per user over all logins, then says how long to wait (ASVS 5.0 6.6.4)', async () => {
      await t.mfa.settings.set('factor.push.max_pushes_per_hour', 2, 'test');
      try {
        const user = t.host.addUser('bombed');
        await pairPhone(t, user);
        t.clock.time = Date.UTC(2026, 10, 23, 10, 0, 0); // the start of an hour window
        await askPhone(t, await pendingLogin(t, user));
        await askPhone(t, await pendingLogin(t, user));
        const third = await pendingLogin(t, user);
        const refused = await rejectsWith(askPhone(t, third), 'RATE_LIMITED');
        assert.equal(refused.retryAfterSeconds, 3600);
        assert.match(String(refused.message), /Too many requests were sent to your phone in the last hour\. Try again in 60 minutes/);
        const someoneElse = t.host.addUser('notbombed');
        await pairPhone(t, someoneElse);
        await askPhone(t, await pendingLogin(t, someoneElse)); // the cap is per user
        t.clock.advance(3600_000);
        await askPhone(t, await pendingLogin(t, user));
      } finally {
        await t.mfa.settings.set('factor.push.max_pushes_per_hour', 10, 'test');
      }
    });

    it('opens one request for parallel clicks, and spends one unit of the hourly cap for them', async () => {
      await t.mfa.settings.set('factor.push.max_pushes_per_hour', 2, 'test');
      try {
        const user = t.host.addUser('clicks');
        const phone = await pairPhone(t, user);
        t.clock.time = Date.UTC(2026, 10, 23, 11, 0, 0);
        const attemptId = await pendingLogin(t, user);
        const clicks = await Promise.all(Array.from({ length: 5 }, () => askPhone(t, attemptId)));
        assert.equal(new Set(clicks.map((c) => c.pushId)).size, 1, 'one request');
        assert.equal(clicks.filter((c) => !c.alreadyOpen).length, 1, 'the others were given the one already open');
        assert.equal((await phone.pending(await t.context())).length, 1);
        await askPhone(t, await pendingLogin(t, user)); // the second unit is still there
      } finally {
        await t.mfa.settings.set('factor.push.max_pushes_per_hour', 10, 'test');
      }
    });

    it('shows the phone every login that asks at the same time (the user’s list of open requests is written by compare-and-swap)', async () => {
      const user = t.host.addUser('manylogins');
      const phone = await pairPhone(t, user);
      const attempts = await Promise.all(Array.from({ length: 3 }, () => pendingLogin(t, user)));
      const challenges = await Promise.all(attempts.map((attemptId) => askPhone(t, attemptId)));
      const shown = await phone.pending(await t.context());
      assert.deepEqual(shown.map((p) => p.pushId).sort(), challenges.map((c) => c.pushId).sort());
    });

    it('of two phones answering at once, one wins; the other lost because the request was already answered', async () => {
      const user = t.host.addUser('twophones');
      const phoneA = await pairPhone(t, user, new SoftPhone('A'));
      const phoneB = await pairPhone(t, user, new SoftPhone('B'));
      const attemptId = await pendingLogin(t, user);
      const challenge = await askPhone(t, attemptId);
      const [push] = await phoneA.pending(await t.context());
      assert.ok(push);
      assert.deepEqual(await phoneB.pending(await t.context()), [push], 'every phone of the user sees it');
      const context = await t.context();
      const replies = await Promise.all([phoneA.answer(context, push, 'approve', challenge.number), phoneB.answer(context, push, 'deny')]);
      const won = replies.filter((r) => r.status === 200);
      const lost = replies.filter((r) => r.status !== 200);
      assert.equal(won.length, 1, JSON.stringify(replies));
      assert.equal(lost.length, 1);
      assert.equal(lost[0]?.status, 409);
      assert.equal(lost[0]?.json.error, 'already_answered');
      const winner = won[0]?.json.outcome;
      assert.match(String(lost[0]?.json.message), winner === 'approved' ? /already approved/ : /already denied/, 'the loser is told what the winner did');
    });

    it('lets the login’s own requests spend an approval once: of two, the other is told it was used', async () => {
      const user = t.host.addUser('twotabs');
      const phone = await pairPhone(t, user);
      const attemptId = await pendingLogin(t, user);
      const challenge = await askPhone(t, attemptId);
      const [push] = await phone.pending(await t.context());
      assert.ok(push);
      await phone.answer(await t.context(), push, 'approve', challenge.number);
      const results = await Promise.allSettled([t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP), t.mfa.engine.verify(attemptId, 'push', {}, LAPTOP)]);
      const passed = results.filter((r) => r.status === 'fulfilled');
      assert.equal(passed.length, 1);
      const loser = results.find((r) => r.status === 'rejected');
      assert.ok(loser && loser.status === 'rejected');
      const reason = loser.reason as { code?: string; details?: { approval?: string } };
      // Either it found the approval spent (no try counted), or the attempt already passed by the winner.
      assert.ok(reason.code === 'ATTEMPT_EXPIRED' || (reason.code === 'INVALID_INPUT' && reason.details?.approval === 'none'), JSON.stringify(reason));
    });

    it('reads nothing for a device id alone: a stale nonce, a missing or foreign signature are refused', async () => {
      const user = t.host.addUser('reads');
      const phone = await pairPhone(t, user);
      const context = await t.context();
      const query = await phone.readQuery(context);
      const read = (q: Record<string, string>) => callPushRoute(context, 'GET', '/push/device/pending', { query: q }).then(jsonOf);
      assert.equal((await read(query)).status, 200);
      assert.equal((await read({ device: phone.handle })).status, 400);
      assert.equal((await read({ ...query, signature: new SoftPhone().sign('read', [phone.handle, query.nonce ?? '']) })).status, 401);
      assert.equal((await read({ ...query, signature: phone.sign('answer', [phone.handle, query.nonce ?? '']) })).status, 401, 'a signature for another purpose');
      assert.equal((await read({ ...query, nonce: `${t.clock.now()}.${'A'.repeat(43)}` })).status, 401, 'a nonce the server did not make');
      t.clock.advance(READ_NONCE_MS + 1);
      const stale = await read(query);
      assert.equal(stale.status, 401);
      assert.equal(stale.json.error, 'stale_nonce');
    });

    it('streams the open requests to the phone (Server-Sent Events), and ends the stream when the phone is removed', async () => {
      const user = t.host.addUser('streams');
      const phone = await pairPhone(t, user);
      const attemptId = await pendingLogin(t, user);
      const challenge = await askPhone(t, attemptId);
      const context = await t.context();
      const response = await callPushRoute(context, 'GET', '/push/device/events', { query: await phone.readQuery(context) });
      assert.ok('events' in response);
      const events = response.events[Symbol.asyncIterator]();
      const first = await events.next();
      assert.equal(first.value?.event, 'pushes');
      const shown = (first.value?.data as { pushes: Array<{ pushId: string }> }).pushes;
      assert.deepEqual(shown.map((p) => p.pushId), [challenge.pushId]);
      const [device] = await t.mfa.enrolment.devices(user);
      await t.mfa.enrolment.remove(user, 'push', device?.id ?? 0, { actor: 'streams', ip: null });
      const next = await events.next();
      assert.equal(next.value?.event, 'unpaired');
      assert.equal((await events.next()).done, true);
    });

    it('stops a quiet stream as soon as the client leaves (the door calls return() while the stream waits)', async () => {
      const user = t.host.addUser('leaves');
      const phone = await pairPhone(t, user);
      const context = await t.context();
      const response = await callPushRoute(context, 'GET', '/push/device/events', { query: await phone.readQuery(context) });
      assert.ok('events' in response);
      const events = response.events[Symbol.asyncIterator]();
      assert.equal((await events.next()).value?.event, 'pushes');
      const waiting = events.next(); // nothing changes: this waits
      await new Promise((resolve) => setTimeout(resolve, 50));
      await events.return?.();
      const ended = await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3000))]);
      assert.deepEqual(ended, { value: undefined, done: true });
    });

    it('streams the waiting login page its state until it stops waiting', async () => {
      const user = t.host.addUser('waits');
      const phone = await pairPhone(t, user);
      const attemptId = await pendingLogin(t, user);
      const challenge = await askPhone(t, attemptId);
      const response = await callPushRoute(await t.context(), 'GET', '/push/wait/events', { attemptId });
      assert.ok('events' in response);
      const events = response.events[Symbol.asyncIterator]();
      assert.deepEqual((await events.next()).value?.data, { state: 'waiting', message: 'Waiting for your answer on your phone: pick the number shown here.', expiresAt: challenge.expiresAt });
      const [push] = await phone.pending(await t.context());
      assert.ok(push);
      await phone.answer(await t.context(), push, 'approve', challenge.number);
      const moved = await events.next();
      assert.equal((moved.value?.data as { state: string }).state, 'approved');
      assert.equal((await events.next()).done, true);
    });
  });
}
