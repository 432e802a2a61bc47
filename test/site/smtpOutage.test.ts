import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { buildSite, type BuiltSite } from '../../lms/start.ts';
import { createUser, findUserByUsername } from '../../lms/users.ts';
import { emailFactor } from '../../plugin/factors/email/index.ts';
import { startSmtpSink } from '../support/smtpSink.ts';
import { csrfFrom, TEST_PASSWORD } from '../support/testSite.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

function codeIn(raw: string | undefined): string {
  const code = /^ {4}(\d{6})\r?$/m.exec(raw ?? '')?.[1];
  assert.ok(code, `the mail shows a code:\n${raw}`);
  return code;
}

describe('"Send me a code" while the SMTP server is down', () => {
  let site: BuiltSite;
  let dataDir: string;
  let smtp: { port: number; stop(): Promise<void> };
  const received: string[] = [];

  before(async () => {
    smtp = await startSmtpSink({ received });
    dataDir = mkdtempSync(join(tmpdir(), 'mfa-smtp-'));
    site = await buildSite(
      { databaseUrl: `sqlite:${join(dataDir, 'site.sqlite')}`, port: 0, siteName: 'Mail LMS', origin: 'http://localhost', smtpUrl: `smtp://127.0.0.1:${smtp.port}`, production: false, dataDir, adminPassword: undefined },
      { MFA_SECRET_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: randomBytes(32).toString('hex') },
      () => undefined,
    );
    await createUser(site.db, { username: 'mailed', email: 'mailed@example.test', password: TEST_PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
    const user = (await findUserByUsername(site.db, 'mailed')) ?? assert.fail('mailed');
    const sent = await site.plugin.enrolment.beginSetup(user, emailFactor, {});
    await site.plugin.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code: codeIn(received.at(-1)) }, { actor: 'mailed', ip: null });
  });

  after(async () => {
    site.mailer.close();
    await smtp.stop().catch(() => undefined);
    await site.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Issue 11, "SMTP down": the mailer's error once escaped as a 500 logged as "database error", and the
  // failed send was counted (sends, last sent, hourly quota), so the retry was refused as too soon.
  it(
    'says the code could not be sent, and the same login gets a code once the server is back',
    async () => {
    const agent = supertest.agent(site.app);
    const form = await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'mailed', password: TEST_PASSWORD }).expect(303).expect('location', '/mfa');
    const page = await agent.get('/mfa').expect(200);
    assert.match(page.text, /Send me a code/);

    await smtp.stop();
    const refused = await agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(page.text), factor: 'email' });
    assert.ok(refused.status < 500, `"Send me a code" answered ${refused.status}`);
    const shown = refused.status === 303 ? await agent.get(String(refused.headers.location)) : refused;
    assert.match(shown.text, /could not (be )?sen[dt]|couldn.t sen[dt]/i, 'the page says the code did not go out');
    assert.match(shown.text, /try again/i, 'and what to do');

    smtp = await startSmtpSink({ port: smtp.port, received });
    const before = received.length;
    const again = await agent.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(shown.text), factor: 'email' }).expect(303);
    const codePage = await agent.get(String(again.headers.location)).expect(200);
    assert.equal(received.length, before + 1, 'the retry sent a mail: the failed send did not count as a send');
    await agent.post('/mfa').type('form').send({ _csrf: csrfFrom(codePage.text), factor: 'email', code: codeIn(received.at(-1)) }).expect(303).expect('location', '/my');
    },
  );
  it('answers token.php’s mfa_send with mfasendfailed (HTTP 200) while the server is down, and mails on the same mfa_token once it is back', async () => {
    const call = (fields: Record<string, string>) => supertest(site.app).post('/login/token.php').type('form').send(fields);
    await site.plugin.settings.set('mobile_app_mfa', 'true', 'admin');
    const first = await call({ username: 'mailed', password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
    assert.equal(first.body.errorcode, 'mfarequired');
    await smtp.stop();
    const refused = await call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_send: '1' }).expect(200);
    assert.equal(refused.body.errorcode, 'mfasendfailed', refused.text);
    assert.match(refused.body.error, /could not send the code to m\*\*\*@example\.test.*Try again in a few minutes/);
    assert.equal(refused.body.mfa_token, first.body.mfa_token, 'the same login may ask again');
    smtp = await startSmtpSink({ port: smtp.port, received });
    const before = received.length;
    const sent = await call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_send: '1' }).expect(200);
    assert.equal(sent.body.mfa_sent, true, `not refused as too soon: the failed send did not count (${sent.text})`);
    assert.equal(received.length, before + 1);
    const token = await call({ mfa_token: first.body.mfa_token, mfa_factor: 'email', mfa_code: codeIn(received.at(-1)) }).expect(200);
    assert.equal(typeof token.body.token, 'string', token.text);
  });
});
