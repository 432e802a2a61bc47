import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { enrolEmail, facts, pendingAttempt, sendLoginCode } from '../support/emailSteps.ts';
import { rejectsWith } from '../support/rejections.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';

for (const kind of databaseKinds) {
  describe(`email code send limits on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
      await t.mfa.settings.set('attempt_ttl_minutes', 60, 'test');
    });
    after(() => t.drop());

    it('throttles new codes (saying how long to wait) and caps them per attempt, also under parallel clicks', async () => {
      const user = t.host.addUser('throttle');
      await enrolEmail(t, user);
      const attempt = await pendingAttempt(t, user);
      const before = t.host.mail.length;
      const parallel = await Promise.allSettled([1, 2, 3, 4].map(() => t.mfa.engine.challenge(attempt.id, 'email', {})));
      assert.equal(parallel.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(t.host.mail.length, before + 1);
      t.clock.advance(20_000);
      const tooSoon = await rejectsWith(t.mfa.engine.challenge(attempt.id, 'email', {}), 'RATE_LIMITED');
      assert.equal(tooSoon.retryAfterSeconds, 40);
      assert.match(String(tooSoon.message), /in 40 seconds/);
      for (let sent = 2; sent <= 5; sent++) {
        t.clock.advance(60_000);
        await t.mfa.engine.challenge(attempt.id, 'email', {});
      }
      t.clock.advance(60_000);
      const capped = await rejectsWith(t.mfa.engine.challenge(attempt.id, 'email', {}), 'RATE_LIMITED');
      assert.equal(capped.retryAfterSeconds, null);
      assert.match(String(capped.message), /5 codes, the most allowed/);
      assert.equal(t.host.mail.length, before + 5);
      // The limits are per attempt: a new login may ask again.
      await sendLoginCode(t, (await pendingAttempt(t, user)).id);
    });

    it('caps the codes mailed to one user per hour over all logins, also in parallel, without voiding the code they have', async () => {
      // Start at the top of an hour, so the test's own clock steps stay inside one window.
      t.clock.advance(3600_000 - (t.clock.time % 3600_000));
      const user = t.host.addUser('mailbombed');
      await enrolEmail(t, user); // one send this hour
      await t.mfa.settings.set('factor.email.max_sends_per_hour', 4, 'test');
      try {
        const first = await pendingAttempt(t, user);
        const { code } = await sendLoginCode(t, first.id); // two
        const before = t.host.mail.length;
        const attempts = await Promise.all([1, 2, 3, 4, 5].map(() => pendingAttempt(t, user)));
        const results = await Promise.allSettled(attempts.map((a) => t.mfa.engine.challenge(a.id, 'email', {})));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2, 'two more fit in the hour, however many logins ask at once');
        assert.equal(t.host.mail.length, before + 2);
        t.clock.advance(61_000); // past the resend interval: only the hourly cap stands in the way
        const capped = await rejectsWith(t.mfa.engine.challenge(first.id, 'email', {}), 'RATE_LIMITED');
        assert.match(String(capped.message), /Too many codes were emailed to this account in the last hour/);
        assert.ok(typeof capped.retryAfterSeconds === 'number' && capped.retryAfterSeconds > 0 && capped.retryAfterSeconds <= 3600);
        // The refused send replaced nothing: the code already in the mailbox still works.
        assert.equal((await t.mfa.engine.verify(first.id, 'email', { code }, facts)).outcome, 'passed');
        t.clock.advance(3600_000);
        await sendLoginCode(t, (await pendingAttempt(t, user)).id);
      } finally {
        await t.mfa.settings.set('factor.email.max_sends_per_hour', 10, 'test');
      }
    });
    it('counts nothing when the mail server is down: the old code keeps working and the user may ask again at once', async () => {
      const user = t.host.addUser('mailserverdown');
      try {
        await enrolEmail(t, user);
        const attempt = await pendingAttempt(t, user);
        const first = await sendLoginCode(t, attempt.id);
        t.clock.advance(60_000);
        t.host.mailDown = true;
        const failed = await rejectsWith(t.mfa.engine.challenge(attempt.id, 'email', {}), 'DELIVERY_FAILED');
        assert.match(String(failed.message), /could not send the code to m\*\*\*@example\.test/);
        assert.equal(failed.reason, 'ECONNREFUSED', 'the transport’s code is kept, not its message (which names the address)');
        t.host.mailDown = false;
        // Not "too soon": the failed send did not count. And the first code still works until a new one is mailed.
        const status = await t.mfa.engine.verify(attempt.id, 'email', { code: first.code }, facts);
        assert.equal(status.outcome, 'passed');
      } finally {
        t.host.mailDown = false;
      }
    });

    it('gives a failed set-up mail back too: no resend wait, no hourly unit spent', async () => {
      const user = t.host.addUser('setupmaildown');
      try {
        await t.mfa.settings.set('factor.email.max_sends_per_hour', 2, 'test');
        t.host.mailDown = true;
        for (let i = 0; i < 3; i++) await rejectsWith(t.mfa.enrolment.beginSetup(user, 'email', {}), 'DELIVERY_FAILED');
        t.host.mailDown = false;
        const before = t.host.mail.length;
        await t.mfa.enrolment.beginSetup(user, 'email', {});
        assert.equal(t.host.mail.length, before + 1, 'neither the resend wait nor the hourly cap (2) was spent by the three failures');
      } finally {
        t.host.mailDown = false;
        await t.mfa.settings.set('factor.email.max_sends_per_hour', 10, 'test');
      }
    });
  });
}
