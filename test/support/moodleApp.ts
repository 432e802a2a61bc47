import assert from 'node:assert/strict';
import supertest from 'supertest';
import { findUserByUsername } from '../../lms/users.ts';
import { hashToken } from '../../plugin/crypto/tokens.ts';
import { emailFactor } from '../../plugin/factors/email/index.ts';
import { recoveryCodesFactor } from '../../plugin/factors/recovery-codes/index.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { webauthnFactor } from '../../plugin/factors/webauthn/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { meetAtFactor } from './siteInstances.ts';
import { SoftAuthenticator } from './softAuthenticator.ts';
import { TEST_PASSWORD, type TestSite } from './testSite.ts';
import { codeFor } from './totpDevice.ts';

export type AppParams = Record<string, string | string[]>;

/**
 * What the Moodle mobile app does at login/token.php: form-encoded POST (or GET with a
 * query string), reading `token` or Moodle's error body. Nothing else: no cookies.
 */
export class MoodleAppClient {
  constructor(
    private readonly site: TestSite,
    readonly method: 'GET' | 'POST',
  ) {}

  call(params: AppParams): Promise<supertest.Response> {
    const app = supertest(this.site.app);
    const request = this.method === 'POST' ? app.post('/login/token.php').type('form').send(params) : app.get('/login/token.php').query(params);
    return request.set('User-Agent', 'MoodleMobile 4.5.0').set('Origin', 'http://localhost').then((res) => res);
  }

  login(username: string, extra: AppParams = {}) {
    return this.call({ username, password: TEST_PASSWORD, service: 'moodle_mobile_app', ...extra });
  }
}

/**
 * Moodle's error body, with the error code expected, as the Moodle app needs it: HTTP
 * 200 and readable from its WebView's origin (any other status, or no CORS header, and
 * the app shows "Site not accessible" instead of the error).
 */
export function assertMoodleError(res: supertest.Response, errorcode: string): void {
  assert.equal(res.status, 200, `${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.headers['access-control-allow-origin'], '*', 'any origin may read it');
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.body.errorcode, errorcode, res.text.slice(0, 300));
  assert.equal(typeof res.body.error, 'string');
  for (const key of ['stacktrace', 'debuginfo', 'reproductionlink']) assert.equal(res.body[key], null);
  assert.equal(res.body.token, undefined);
}

/**
 * Users with factors set up the way the security page does it, and checks on what the
 * host stored, for the app-client tests over one TestSite.
 */
export class AppTestKit {
  private readonly secrets = new Map<string, string>();
  constructor(private readonly site: TestSite) {}

  async user(username: string): Promise<HostUser> {
    await this.site.addUser(username);
    const found = await findUserByUsername(this.site.database.db, username);
    assert.ok(found);
    return found;
  }

  async withTotp(username: string): Promise<HostUser> {
    const u = await this.user(username);
    const setup = await this.site.mfa.enrolment.beginSetup(u, totpFactor, {});
    await this.site.mfa.enrolment.confirmSetup(u, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, this.site.clock.time) }, { actor: username, ip: null });
    this.secrets.set(username, setup.secret);
    return u;
  }

  totpSecret(username: string): string {
    return this.secrets.get(username) ?? '';
  }

  /** The code of the next time step: each code works once, and the set-up spent the current one. */
  async nextTotp(username: string): Promise<string> {
    this.site.clock.advance(30_000);
    return codeFor(this.secrets.get(username) ?? '', this.site.clock.time);
  }

  codeInLastMail(): string {
    const code = /^ {4}(\d{6})$/m.exec(this.site.mail.at(-1)?.text ?? '')?.[1];
    assert.ok(code, 'the newest mail shows a code');
    return code;
  }

  async withEmail(u: HostUser): Promise<void> {
    const sent = await this.site.mfa.enrolment.beginSetup(u, emailFactor, {});
    await this.site.mfa.enrolment.confirmSetup(u, 'email', { setupId: sent.setupId, code: this.codeInLastMail() }, { actor: u.username, ip: null });
  }

  async withRecoveryCodes(u: HostUser): Promise<string[]> {
    const setup = await this.site.mfa.enrolment.beginSetup(u, recoveryCodesFactor, {});
    await this.site.mfa.enrolment.confirmSetup(u, 'recovery_codes', { setupId: setup.setupId }, { actor: u.username, ip: null });
    return setup.codes;
  }

  async withSecurityKey(u: HostUser): Promise<void> {
    const setup = await this.site.mfa.enrolment.beginSetup(u, webauthnFactor, { label: 'Key' });
    const response = new SoftAuthenticator({ origin: this.site.origin }).register(setup.options);
    await this.site.mfa.enrolment.confirmSetup(u, 'webauthn', { setupId: setup.setupId, response }, { actor: u.username, ip: null });
  }

  async assertStoredToken(res: supertest.Response, u: HostUser): Promise<void> {
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.deepEqual(Object.keys(res.body).sort(), ['privatetoken', 'token']);
    const row = await this.site.database.db('lms_external_tokens').where({ token_hash: hashToken(res.body.token) }).first('user_id', 'private_token_hash');
    assert.ok(row, 'the host stored the token');
    assert.equal(String(row.user_id), u.id);
    assert.equal(row.private_token_hash, hashToken(res.body.privatetoken));
  }

  /**
   * Makes the next `count` verifications of `factorId` wait for one another at the factor
   * (after the engine has loaded the attempt), so parallel calls meet where a race would.
   * Returns a release that stops holding and says how many arrived.
   */
  holdFactorVerify(factorId: string, count: number): () => number {
    return meetAtFactor([this.site.mfa], factorId, count);
  }

  async tokenCount(): Promise<number> {
    return Number((await this.site.database.db('lms_external_tokens').count({ n: '*' }).first())?.n ?? 0);
  }
}

/** How the app labels the site check's JSON body: a phone's native HTTP plugin, or a browser build's XHR. */
export type SiteCheckTransport = 'native' | 'browser' | 'get';

const PUBLIC_CONFIG_CALL = '[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]';

/**
 * The official Moodle app's requests, byte for byte as moodleapp sends them
 * (src/core/services/ws.ts performAjax and call, src/core/services/sites.ts
 * getUserToken): the method, path, query string, Content-Type, body and the
 * WebView's Origin. Nothing else: no cookie, no CSRF token.
 */
export class MoodleAppReplay {
  constructor(private readonly site: TestSite) {}

  private app() {
    return supertest(this.site.app);
  }

  /** Step 1: the site check, `tool_mobile_get_public_config` at lib/ajax/service-nologin.php. */
  siteCheck(transport: SiteCheckTransport = 'native', body = PUBLIC_CONFIG_CALL): Promise<supertest.Response> {
    const path = '/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config&lang=en';
    if (transport === 'get') return this.app().get(`${path}&args=${encodeURIComponent(body)}`).set('Origin', 'http://localhost').then((res) => res);
    const type = transport === 'native' ? 'application/json' : 'application/x-www-form-urlencoded';
    return this.app().post(path).set('Content-Type', type).set('Origin', 'http://localhost').send(body).then((res) => res);
  }

  /** Step 2: login/token.php with the username as typed. */
  token(username: string, password = TEST_PASSWORD): Promise<supertest.Response> {
    return this.app()
      .post('/login/token.php?lang=en')
      .type('form')
      .set('Origin', 'http://localhost')
      .send(new URLSearchParams({ username, password, service: 'moodle_mobile_app' }).toString())
      .then((res) => res);
  }

  /** Steps 3 on: a REST call as CoreWSProvider.call makes it. */
  rest(wsfunction: string, wstoken: string, params: Record<string, string> = {}): Promise<supertest.Response> {
    const body = new URLSearchParams({ moodlewssettingfilter: 'true', moodlewssettingfileurl: 'true', moodlewssettinglang: 'en', ...params, wsfunction, wstoken });
    return this.app()
      .post(`/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${wsfunction}`)
      .type('form')
      .set('Origin', 'http://localhost')
      .send(body.toString())
      .then((res) => res);
  }
}

/** What the Moodle app does with a login/token.php answer. */
export type AppLoginOutcome =
  | { shows: 'logged-in'; token: string; privateToken: string | null | undefined }
  | { shows: 'site-not-accessible' }
  | { shows: 'invalid-account' }
  | { shows: 'error-dialog'; message: string }
  | { shows: 'cannot-connect-alert'; details: { code: string; details: string } };

/**
 * The app's reading of a token.php answer, as moodleapp's CoreSitesProvider.getUserToken
 * (src/core/services/sites.ts) and CoreLoginHelper.treatUserTokenError do it: Angular's
 * HttpClient rejects any non-2xx status or unparsable JSON before the body is looked at
 * ("Site not accessible through the app"); a body without `error` is "invalid account";
 * `invalidlogin` shows the server's text; any other code is a generic alert whose
 * expandable details carry the code and the server's text.
 */
export function whatTheAppShows(res: supertest.Response): AppLoginOutcome {
  if (res.status < 200 || res.status > 299 || !/^application\/json/.test(String(res.headers['content-type']))) return { shows: 'site-not-accessible' };
  if (res.headers['access-control-allow-origin'] !== '*') return { shows: 'site-not-accessible' };
  const data = res.body as { token?: string; privatetoken?: string | null; error?: string; errorcode?: string };
  if (data.token !== undefined) return { shows: 'logged-in', token: data.token, privateToken: data.privatetoken };
  if (data.error === undefined) return { shows: 'invalid-account' };
  if (data.errorcode === 'invalidlogin') return { shows: 'error-dialog', message: data.error };
  return { shows: 'cannot-connect-alert', details: { code: data.errorcode ?? 'loginfailed', details: data.error } };
}
