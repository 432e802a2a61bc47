import assert from 'node:assert/strict';
import { startSmtpSink } from '../support/smtpSink.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMailer } from '../../adapters/mail/createMailer.ts';
import { EMAIL_SETUP_MAX_WRONG_CODES, reportNotMe, emailFactor } from '../../plugin/factors/email/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { withSettings } from '../support/withSettings.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeIn, enrolEmail, facts, lastMail, notMeTokenIn, pendingAttempt, sendLoginCode } from '../support/emailSteps.ts';
import { rejectsWith } from '../support/rejections.ts';

for (const kind of databaseKinds) {
  describe(`email factor on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
      // Longer than the code's 10 minutes, so expiry tests meet the code's limit, not the attempt's.
      await t.mfa.settings.set('attempt_ttl_minutes', 60, 'test');
    });
    after(() => t.drop());

    it('turns email codes on only after the user types back the code mailed to their address', async () => {
      const user = t.host.addUser('enrol');
      const provider = t.mfa.registry.provider(t.mfa.registry.factory('email'), await t.mfa.settings.snapshot());
      const sent = await t.mfa.enrolment.beginSetup(user, emailFactor, {});
      assert.equal(sent.sentTo, 'e***@example.test');
      const mail = lastMail(t);
      assert.equal(mail.to, 'enrol@example.test');
      const code = codeIn(mail.text);
      assert.equal(await provider.configuredFor(user), false, 'not on before the code is confirmed');
      const wrong = code === '000000' ? '111111' : '000000';
      const refused = await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code: wrong }, { actor: 'enrol', ip: null }), 'INVALID_CODE');
      assert.equal(refused.triesLeft, EMAIL_SETUP_MAX_WRONG_CODES - 1);
      const device = await t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code }, { actor: 'enrol', ip: null });
      assert.equal(device.label, 'Email codes to e***@example.test');
      assert.equal(await provider.configuredFor(user), true);
      assert.equal((await t.mfa.audit.recent({ userId: user.id, event: 'factor_added' })).length, 1);
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code }, { actor: 'enrol', ip: null }), 'SETUP_EXPIRED');
      await rejectsWith(t.mfa.enrolment.beginSetup(user, 'email', {}), 'INVALID_INPUT');
    });

    it('voids a set-up code after too many wrong tries, so a session cannot guess its way to email codes', async () => {
      const user = t.host.addUser('setupguess');
      const sent = await t.mfa.enrolment.beginSetup(user, emailFactor, {});
      const code = codeIn(lastMail(t).text);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < EMAIL_SETUP_MAX_WRONG_CODES; i++) {
        await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code: wrong }, { actor: 'x', ip: null }), 'INVALID_CODE');
      }
      await rejectsWith(t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code }, { actor: 'x', ip: null }), 'SETUP_EXPIRED');
      await rejectsWith(t.mfa.enrolment.beginSetup(user, 'email', {}), 'RATE_LIMITED'); // a new code waits for the resend interval
      t.clock.advance(61_000);
      await t.mfa.enrolment.beginSetup(user, 'email', {});
      await t.mfa.enrolment.confirmSetup(user, 'email', { code: codeIn(lastMail(t).text) }, { actor: 'x', ip: null });
    });

    it('sends no mail when the login opens, and one when the user asks, with the code, time, IP and not-me link', async () => {
      const user = t.host.addUser('asked');
      await enrolEmail(t, user);
      const mailBefore = t.host.mail.length;
      const attempt = await pendingAttempt(t, user);
      const status = await t.mfa.engine.status(attempt.id, facts);
      assert.equal(status.factors.find((f) => f.id === 'email')?.configured, true);
      assert.equal(t.host.mail.length, mailBefore, 'opening the login and showing the page sent nothing');
      const { mail, sent, code } = await sendLoginCode(t, attempt.id);
      assert.equal(sent.sentTo, 'a***@example.test');
      assert.equal(mail.to, 'asked@example.test');
      assert.doesNotMatch(mail.subject, new RegExp(code), 'the code stays out of the subject');
      assert.match(mail.text, /From IP: 198\.51\.100\.7/);
      assert.ok(mail.text.includes(`When:    ${new Date(attempt.createdAt).toUTCString().replace('GMT', 'UTC')}`), 'the mail says when');
      assert.match(mail.text, /Browser: Browser\n/, 'the short description the other mails use (this test agent names no known browser)');
      assert.doesNotMatch(mail.text, /test browser/, 'never the raw User-Agent (issue 11 finding 11)');
      assert.match(mail.text, /This wasn't me/);
      assert.match(mail.text, /http:\/\/localhost\/mfa\/not-me\?token=\S+/);
    });

    it('names the browser in the login-code mail by its short description, never the User-Agent the client sent (issue 11 finding 11)', async () => {
      const user = t.host.addUser('ua-mail');
      await enrolEmail(t, user);
      const planted = `Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 URGENT: your account is locked, call +1 555 0100 or visit https://evil.example/unlock ${'x'.repeat(400)}`.slice(0, 512);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts: { ...facts, userAgent: planted } });
      assert.ok(opened.outcome === 'pending');
      const { mail } = await sendLoginCode(t, opened.attempt.id);
      assert.match(mail.text, /^ {2}Browser: Chrome on Windows$/m);
      assert.doesNotMatch(mail.text, /evil\.example|URGENT|555 0100/, 'nothing the client wrote reaches the mail');
    });

    it('sends no more mail once email codes are locked for the user', async () => {
      await withSettings(t.mfa, { lockout_threshold: 2 }, async () => {
        const user = t.host.addUser('locked-mail');
        await enrolEmail(t, user);
        const attempt = await pendingAttempt(t, user);
        await sendLoginCode(t, attempt.id);
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: '000000' }, facts), 'INVALID_CODE');
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: '000001' }, facts), 'FACTOR_LOCKED');
        const mailed = t.host.mail.length;
        t.clock.advance(120_000);
        await rejectsWith(t.mfa.engine.challenge(attempt.id, 'email', {}), 'FACTOR_LOCKED');
        assert.equal(t.host.mail.length, mailed);
      });
    });

    it('passes the attempt with the mailed code once and refuses the same code again', async () => {
      const user = t.host.addUser('once');
      await enrolEmail(t, user);
      await t.mfa.settings.set('factor.email.weight', 50, 'test');
      try {
        const attempt = await pendingAttempt(t, user);
        const { code } = await sendLoginCode(t, attempt.id);
        const half = await t.mfa.engine.verify(attempt.id, 'email', { code }, facts);
        assert.equal(half.outcome, 'pending');
        assert.equal(half.factors.find((f) => f.id === 'email')?.state, 'pass');
        const again = await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code }, facts), 'INVALID_CODE');
        assert.match(String(again.message), /used already/);
      } finally {
        await t.mfa.settings.set('factor.email.weight', 100, 'test');
      }
      const attempt = await pendingAttempt(t, user);
      const { code } = await sendLoginCode(t, attempt.id);
      assert.equal((await t.mfa.engine.verify(attempt.id, 'email', { code: ` ${code.slice(0, 3)} ${code.slice(3)} ` }, facts)).outcome, 'passed');
    });

    it('lets only one of two simultaneous submits of one code through', async () => {
      const user = t.host.addUser('parallel');
      await enrolEmail(t, user);
      await t.mfa.settings.set('factor.email.weight', 50, 'test');
      try {
        const attempt = await pendingAttempt(t, user);
        const { code } = await sendLoginCode(t, attempt.id);
        const results = await Promise.allSettled([1, 2, 3].map(() => t.mfa.engine.verify(attempt.id, 'email', { code }, facts)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string; message?: string; details?: { reason?: string } }] : []));
        assert.equal(losers.length, 2);
        for (const loser of losers) {
          // Each lost to the one that spent the code first.
          assert.deepEqual([loser.code, loser.details?.reason], ['INVALID_CODE', 'replayed'], JSON.stringify(loser));
          assert.match(String(loser.message), /used already/);
        }
      } finally {
        await t.mfa.settings.set('factor.email.weight', 100, 'test');
      }
    });

    it('refuses a code once its 10 minutes are up', async () => {
      const user = t.host.addUser('expiry');
      await enrolEmail(t, user);
      const fresh = await pendingAttempt(t, user);
      const inTime = await sendLoginCode(t, fresh.id);
      t.clock.advance(9 * 60_000);
      assert.equal((await t.mfa.engine.verify(fresh.id, 'email', { code: inTime.code }, facts)).outcome, 'passed');
      const attempt = await pendingAttempt(t, user);
      const { code } = await sendLoginCode(t, attempt.id);
      t.clock.advance(11 * 60_000);
      const refused = await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code }, facts), 'INVALID_CODE');
      assert.equal(refused.reason, 'expired');
      assert.match(String(refused.message), /expired/);
    });

    it('accepts only the newest code once a new one was sent, and only for its own attempt', async () => {
      const user = t.host.addUser('newest');
      await enrolEmail(t, user);
      const attempt = await pendingAttempt(t, user);
      const first = await sendLoginCode(t, attempt.id);
      t.clock.advance(61_000);
      const second = await sendLoginCode(t, attempt.id);
      if (first.code !== second.code) {
        const old = await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: first.code }, facts), 'INVALID_CODE');
        assert.match(String(old.message), /newest/);
      }
      // The hash is bound to its attempt: even copied into another attempt's row, the code does not verify there.
      const other = await pendingAttempt(t, user);
      await sendLoginCode(t, other.id);
      const row = await t.database.db('mfa_attempt_factors').where({ attempt_id: attempt.id, factor: 'email' }).first('data');
      await t.database.db('mfa_attempt_factors').where({ attempt_id: other.id, factor: 'email' }).update({ data: row?.data });
      await rejectsWith(t.mfa.engine.verify(other.id, 'email', { code: second.code }, facts), 'INVALID_CODE');
      assert.equal((await t.mfa.engine.verify(attempt.id, 'email', { code: second.code }, facts)).outcome, 'passed');
    });

    it('counts wrong codes toward the lockout, and a new code does not reset the count', async () => {
      await t.mfa.settings.set('lockout_threshold', 3, 'test');
      try {
        const user = t.host.addUser('lockout');
        await enrolEmail(t, user);
        const attempt = await pendingAttempt(t, user);
        const { code } = await sendLoginCode(t, attempt.id);
        const wrong = code === '000000' ? '111111' : '000000';
        assert.equal((await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: wrong }, facts), 'INVALID_CODE')).triesLeft, 2);
        t.clock.advance(61_000);
        const fresh = await sendLoginCode(t, attempt.id);
        const wrongAgain = fresh.code === '000000' ? '111111' : '000000';
        assert.equal((await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: wrongAgain }, facts), 'INVALID_CODE')).triesLeft, 1);
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: wrongAgain }, facts), 'FACTOR_LOCKED');
        await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code: fresh.code }, facts), 'FACTOR_LOCKED');
        assert.equal((await t.mfa.engine.status(attempt.id, facts)).outcome, 'locked');
      } finally {
        await t.mfa.settings.set('lockout_threshold', 10, 'test');
      }
    });

    it('keeps only hashes: neither the code nor the not-me token is in the database', async () => {
      const user = t.host.addUser('hashed');
      await enrolEmail(t, user);
      const attempt = await pendingAttempt(t, user);
      const { code, mail } = await sendLoginCode(t, attempt.id);
      const token = notMeTokenIn(mail.text);
      const row = await t.database.db('mfa_attempt_factors').where({ attempt_id: attempt.id, factor: 'email' }).first('data');
      const stored = String(row?.data);
      assert.ok(stored.includes('codeHash'), 'the row holds the code hash');
      assert.ok(!stored.includes(code), 'no code in clear');
      assert.ok(!stored.includes(token.split('.')[1] ?? token), 'no token in clear');
    });

    it('"This wasn\'t me" cancels the attempt, is audited, says what to do, and leaves email codes working', async () => {
      const user = t.host.addUser('notme');
      await enrolEmail(t, user);
      const attempt = await pendingAttempt(t, user);
      const { code, mail } = await sendLoginCode(t, attempt.id);
      const token = notMeTokenIn(mail.text);
      const context = t.mfa.registry.context(await t.mfa.settings.snapshot()).forFactor('email');
      const forged = await reportNotMe(context, `${attempt.id}.not-the-secret`);
      assert.equal(forged.outcome, 'unknown_link');
      const report = await reportNotMe(context, token, { ip: '203.0.113.9' });
      assert.equal(report.outcome, 'stopped');
      assert.equal(report.loginIp, '198.51.100.7');
      assert.match(report.message, /change your password/);
      assert.match(report.message, /not locked/);
      await rejectsWith(t.mfa.engine.verify(attempt.id, 'email', { code }, facts), 'ATTEMPT_EXPIRED');
      await rejectsWith(t.mfa.engine.challenge(attempt.id, 'email', {}), 'ATTEMPT_EXPIRED');
      const audited = await t.mfa.audit.recent({ userId: user.id, event: 'not_me_reported' });
      assert.equal(audited.length, 1);
      assert.equal(audited[0]?.ip, '203.0.113.9');
      assert.equal(audited[0]?.detail?.attemptIp, '198.51.100.7');
      assert.equal((await reportNotMe(context, token)).outcome, 'unknown_link', 'the link works once');
      // The owner's next login can still use email codes.
      const next = await pendingAttempt(t, user);
      assert.equal((await t.mfa.engine.verify(next.id, 'email', { code: (await sendLoginCode(t, next.id)).code }, facts)).outcome, 'passed');
    });

    it('removes email codes: the factor is no longer offered', async () => {
      const user = t.host.addUser('removal');
      await enrolEmail(t, user);
      const [device] = (await t.mfa.enrolment.devices(user)).filter((d) => d.factor === 'email');
      assert.ok(device);
      await t.mfa.enrolment.remove(user, 'email', device.id, { actor: 'removal', ip: null });
      assert.deepEqual((await t.mfa.enrolment.devices(user)).filter((d) => d.factor === 'email'), []);
      const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
      assert.equal(opened.outcome, 'passed', 'nothing set up, nothing asked');
    });
  });
}

/** The text body of a raw message, quoted-printable undone (RFC 2045 §6.7). */
function textBodyOf(raw: string): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/)).trim();
  if (!/^Content-Transfer-Encoding: quoted-printable/im.test(raw)) return body;
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

describe('email factor over real SMTP', () => {
  it('delivers the login code through the mailer and passes the attempt with the code read from the received mail', async () => {
    const smtp = await startSmtpSink();
    const t = await createTestPlugin('sqlite');
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, outboxDir: join(tmpdir(), 'unused-outbox'), from: 'Test Site <lms@example.test>' });
    try {
      t.host.sendMail = (message) => mailer.send(message);
      const user = t.host.addUser('smtp');
      const sent = await t.mfa.enrolment.beginSetup(user, emailFactor, {});
      assert.equal(smtp.received.length, 1);
      await t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code: codeIn(textBodyOf(smtp.received[0] ?? '')) }, { actor: 'smtp', ip: null });

      // Turning email codes on is itself mailed (plugin/notifications), after the event.
      await t.mfa.notifications.settled();
      assert.equal(smtp.received.length, 2);
      assert.match(smtp.received[1] ?? '', /^Subject: Email code added on Test Site\r?$/m);

      const attempt = await pendingAttempt(t, user);
      await t.mfa.engine.challenge(attempt.id, 'email', {});
      assert.equal(smtp.received.length, 3);
      const raw = smtp.received[2] ?? '';
      assert.match(raw, /^To: smtp@example\.test\r?$/m);
      assert.match(raw, /^Subject: Your login code for Test Site\r?$/m);
      const body = textBodyOf(raw);
      assert.match(body, /From IP: 198\.51\.100\.7/);
      assert.ok(notMeTokenIn(body).startsWith(`${attempt.id}.`));
      const passed = await t.mfa.engine.verify(attempt.id, 'email', { code: codeIn(body) }, facts);
      assert.equal(passed.outcome, 'passed');
    } finally {
      mailer.close();
      await t.drop();
      await smtp.stop();
    }
  });
});
