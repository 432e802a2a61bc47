import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { readSiteConfig } from '../../lms/config.ts';
import { type BuiltSite, buildSite } from '../../lms/start.ts';
import { createUser } from '../../lms/users.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

/** The `lms_session` cookie a response sets, with its attributes. */
function cookieSet(res: supertest.Response, name: string): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}
const sessionCookie = (res: supertest.Response) => cookieSet(res, 'lms_session');

/**
 * The site as `npm start` builds it, at an https address, behind a proxy that ends TLS and
 * talks plain http to it (how a phone reaches a test site: ngrok, Caddy, nginx). Before,
 * express-session saw an http request and set no Secure cookie at all: web login, and so
 * the Moodle app's browser sign-in, could never get past the password.
 */
describe('an https site behind a TLS-terminating proxy', () => {
  let dir: string;
  let site: BuiltSite;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-https-'));
    const env = { SITE_ORIGIN: 'https://lms.example.test', DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}`, MFA_SECRET_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: 'test session secret' };
    site = await buildSite(readSiteConfig(env, dir), env, () => undefined);
    await createUser(site.db, { username: 'ada', email: 'ada@example.test', password: 'a long test password', passwordHashing: TEST_PASSWORD_HASHING });
  });
  after(async () => {
    site.mailer.close();
    await site.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in through the proxy with a Secure, HttpOnly session cookie', async () => {
    const form = await supertest(site.app).get('/login').set('X-Forwarded-Proto', 'https').expect(200);
    // A visitor who is not logged in has no session (no row per visitor): the form's CSRF token is in its own signed cookie.
    assert.equal(sessionCookie(form), undefined);
    const anonymous = cookieSet(form, 'lms_csrf');
    assert.ok(anonymous, 'the login form’s CSRF token has a cookie');
    assert.match(anonymous, /; Secure/);
    assert.match(anonymous, /; HttpOnly/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const login = await supertest(site.app)
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', anonymous.split(';')[0] ?? '')
      .type('form')
      .send({ _csrf: csrf, username: 'ada', password: 'a long test password' })
      .expect(303);
    const loggedIn = sessionCookie(login);
    assert.ok(loggedIn, 'a new session id after the password');
    assert.match(loggedIn, /; Secure/);
    // The password throttle's device cookie: only for the login form, and never over plain http or from another site.
    const device = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('mfa_password_device_'));
    assert.ok(device, 'the browser gets a device cookie');
    for (const attribute of [/; Path=\/login;/, /; HttpOnly/, /; Secure/, /; SameSite=Strict/]) assert.match(device, attribute);
    await supertest(site.app).get('/my').set('X-Forwarded-Proto', 'https').set('Cookie', loggedIn.split(';')[0] ?? '').expect(200);
  });

  it('never sets the cookie on a plain http request that does not come through the proxy', async () => {
    const form = await supertest(site.app).get('/login').expect(200);
    assert.equal(sessionCookie(form), undefined);
  });
});
