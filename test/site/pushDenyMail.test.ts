import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { buildSite, type BuiltSite } from '../../lms/start.ts';
import { createUser, findUserByUsername } from '../../lms/users.ts';
import type { PendingPush, PushSetup } from '../../plugin/factors/push/index.ts';
import { startSmtpSink } from '../support/smtpSink.ts';
import { SoftPhone } from '../support/pushPhone.ts';
import { csrfFrom, TEST_PASSWORD } from '../support/testSite.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

/**
 * Deny on the phone is "This wasn't me": the site as `npm start` builds it, with a real SMTP
 * server, mails the user that a login was reported as not theirs and stopped. The phone is a
 * soft one speaking HTTP to the site as the device page does.
 */
describe('push approval: Deny mails the user (real SMTP)', () => {
  let site: BuiltSite;
  let dataDir: string;
  let smtp: { port: number; stop(): Promise<void> };
  const received: string[] = [];
  const phone = new SoftPhone('Mailed phone');

  before(async () => {
    smtp = await startSmtpSink({ received });
    dataDir = mkdtempSync(join(tmpdir(), 'mfa-push-mail-'));
    site = await buildSite(
      { databaseUrl: `sqlite:${join(dataDir, 'site.sqlite')}`, port: 0, siteName: 'Push LMS', origin: 'http://localhost', smtpUrl: `smtp://127.0.0.1:${smtp.port}`, production: false, dataDir, adminPassword: undefined },
      { MFA_SECRET_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: randomBytes(32).toString('hex') },
      () => undefined,
    );
    await site.plugin.settings.set('factor.push.enabled', true, 'test');
    await createUser(site.db, { username: 'denier', email: 'denier@example.test', password: TEST_PASSWORD, passwordHashing: TEST_PASSWORD_HASHING });
    const user = (await findUserByUsername(site.db, 'denier')) ?? assert.fail('denier');
    const setup = (await site.plugin.enrolment.beginSetup(user, 'push', {})) as PushSetup;
    const pair = new URL(setup.pairingUrl ?? '').searchParams.get('pair') ?? '';
    const paired = await supertest(site.app).post('/push/device/pair').send({ pair, name: phone.name, key: phone.publicJwk, signature: phone.sign('pair', [pair, phone.name]) }).expect(200);
    phone.handle = paired.body.device;
    await site.plugin.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: paired.body.code }, { actor: 'denier', ip: null });
    await site.plugin.notifications.settled();
    received.length = 0; // the "factor added" mail
  });

  after(async () => {
    site.mailer.close();
    await smtp.stop().catch(() => undefined);
    await site.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the login, signs the browser out, and mails the user that it was reported as not theirs', async () => {
    const laptop = supertest.agent(site.app);
    const form = await laptop.get('/login').expect(200);
    await laptop.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'denier', password: TEST_PASSWORD }).expect(303).expect('location', '/mfa');
    const page = await laptop.get('/mfa').expect(200);
    assert.match(page.text, /Approve on my phone/);
    await laptop.post('/mfa/challenge').type('form').send({ _csrf: csrfFrom(page.text), factor: 'push' }).expect(303);

    const nonce = (await supertest(site.app).get('/push/device/nonce').expect(200)).body.nonce as string;
    const pending = await supertest(site.app).get('/push/device/pending').query({ device: phone.handle, nonce, signature: phone.sign('read', [phone.handle, nonce]) }).expect(200);
    const [push] = pending.body.pushes as PendingPush[];
    assert.ok(push, 'the phone shows the request');
    const denied = await supertest(site.app).post('/push/device/answer').send(phone.answerBody(push, 'deny', '')).expect(200);
    assert.equal(denied.body.outcome, 'denied');

    // The laptop's login is over: its status says so, and /mfa sends it back to the password.
    const status = await laptop.get('/mfa/status?factor=push').set('Accept', 'application/json').expect(200);
    assert.notEqual(status.body.outcome, 'pending');
    assert.notEqual(status.body.outcome, 'approved');
    await site.plugin.notifications.settled();
    assert.equal(received.length, 1, 'one mail');
    const mail = received[0] ?? '';
    assert.match(mail, /^To: denier@example\.test/m);
    assert.match(mail, /^Subject: A login was reported as not yours/m);
    assert.match(mail.replace(/=\r?\n/g, ''), /reported as not yours \(Approve on my phone\)\. It was stopped/);
  });
});
