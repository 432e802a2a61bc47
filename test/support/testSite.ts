import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import supertest from 'supertest';
import { migrateSite } from '../../lms/migrateSite.ts';
import { createUser } from '../../lms/users.ts';
import { wireSite } from '../../lms/wireSite.ts';
import type { Bridge } from '../../plugin/createBridge.ts';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { FactorProviderFactory } from '../../plugin/spi/factor.ts';
import type { MailMessage } from '../../plugin/spi/host.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { TestClock } from './testPlugin.ts';
import { TEST_PASSWORD_HASHING } from './testPasswordHashing.ts';

export const TEST_PASSWORD = 'a long test password';

/** The `_csrf` value of the first form on a page. */
export function csrfFrom(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(token, 'the page has a CSRF token');
  return token;
}

/** The base32 key shown for manual entry on a set-up page (the authenticator app's). */
export function totpSecretFrom(page: string): string {
  const grouped = /data-testid="setup-secret">([A-Z2-7 ]+)</.exec(page)?.[1];
  assert.ok(grouped, 'the set-up page shows the key');
  return grouped.replace(/\s+/g, '');
}

/** The `lms_session=...` pair a response sets, if any. */
export function sessionCookieSetBy(res: supertest.Response): string | undefined {
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return setCookie.find((c) => c.startsWith('lms_session='))?.split(';')[0];
}

export interface TestBrowser {
  agent: supertest.Agent;
  login(username: string, returnTo?: string, headers?: Record<string, string>): Promise<supertest.Response>;
  logout(): Promise<void>;
  sessionCookie(): string | undefined;
}

export interface TestSite {
  app: Express;
  /** The address the host reports as its own (Moodle's wwwroot; a WebAuthn key's origin). */
  origin: string;
  database: TestDatabase;
  mfa: MfaPlugin;
  /** The bridge API's core: its clients, and the plugin that serves other platforms' users. */
  bridge: Bridge;
  clock: TestClock;
  mail: MailMessage[];
  /** Lines the plugin logged (a security mail not sent...). */
  logs: string[];
  /** While on, every mail fails as if the SMTP server were down. */
  mailOutage: { on: boolean };
  /** The keys this site's app was built with (another instance of the site needs the same). */
  secrets: SiteSecrets;
  addUser(username: string, password?: string, isAdmin?: boolean): Promise<void>;
  browser(): TestBrowser;
  close(): Promise<void>;
}

/** What two app processes of one site share besides the database: the keys from the environment. */
export interface SiteSecrets {
  /** MFA_SECRET_KEY: encrypts TOTP secrets. */
  secretKey: Buffer;
  /** SESSION_SECRET: signs session cookies. */
  sessionSecret: string;
}

export function newSiteSecrets(): SiteSecrets {
  return { secretKey: randomBytes(32), sessionSecret: randomBytes(32).toString('hex') };
}

/** The reference site as `npm start` wires it (wireSite), over a test database, with a mail sink and the test's clock. */
export function buildTestApp(
  database: Pick<TestDatabase, 'db'>,
  options: { now?: () => number; mail?: MailMessage[]; logs?: string[]; mailOutage?: { on: boolean }; hostOrigin?: string; secrets?: SiteSecrets; factors?: readonly FactorProviderFactory[] },
): { app: Express; mfa: MfaPlugin; bridge: Bridge } {
  const secrets = options.secrets ?? newSiteSecrets();
  const { app, plugin, bridge } = wireSite({
    db: database.db,
    siteName: 'Test LMS',
    origin: options.hostOrigin ?? 'http://localhost',
    // supertest and the browser tests speak plain http, whatever address the site reports.
    secureCookies: false,
    secretKey: secrets.secretKey,
    sessionSecret: secrets.sessionSecret,
    sendMail: async (message: MailMessage) => {
      if (options.mailOutage?.on) throw Object.assign(new Error(`550 mailbox ${message.to} unavailable`), { code: 'EENVELOPE' });
      options.mail?.push(message);
    },
    now: options.now,
    log: (line) => void options.logs?.push(line),
    factors: options.factors,
    passwordHashing: TEST_PASSWORD_HASHING,
  });
  return { app, mfa: plugin, bridge };
}

export interface TestSiteOptions {
  /**
   * The site address the host reports (Moodle's wwwroot: in launch.php's site hash and its
   * https rule). Cookies stay plain http, so supertest keeps its session either way.
   * @default 'http://localhost'
   */
  hostOrigin?: string;
  /** The factors the site offers (a test factor among them). @default builtInFactors */
  factors?: readonly FactorProviderFactory[];
}

/** The LMS reference site with the MFA web door, on a fresh database, the plugin on a movable clock. */
export async function createTestSite(kind: 'sqlite' | 'mysql', options: TestSiteOptions = {}): Promise<TestSite> {
  const database = await createTestDatabase(kind);
  await migrateSite(database.db);
  const mail: MailMessage[] = [];
  const logs: string[] = [];
  const mailOutage = { on: false };
  const clock = new TestClock();
  const secrets = newSiteSecrets();
  const { app, mfa, bridge } = buildTestApp(database, { now: clock.now, mail, logs, mailOutage, hostOrigin: options.hostOrigin, secrets, factors: options.factors });
  return {
    app,
    origin: options.hostOrigin ?? 'http://localhost',
    database,
    mfa,
    bridge,
    clock,
    mail,
    logs,
    mailOutage,
    secrets,
    async addUser(username, password = TEST_PASSWORD, isAdmin = false) {
      await createUser(database.db, { username, email: `${username}@example.test`, password, isAdmin, passwordHashing: TEST_PASSWORD_HASHING });
    },
    browser: () => browserOn(app),
    async close() {
      await mfa.notifications.settled();
      await bridge.plugin.notifications.settled();
      await database.drop();
    },
  };
}

/** A person's browser on `app`: a cookie jar, the login form filled in as a person does. */
export function browserOn(app: Express): TestBrowser {
  const agent = supertest.agent(app);
  let cookie: string | undefined;
  const remember = (res: supertest.Response) => {
    cookie = sessionCookieSetBy(res) ?? cookie;
    return res;
  };
  return {
    agent,
    async login(username, returnTo, headers = {}) {
      const form = await agent.get(`/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`).set(headers);
      const res = await agent
        .post(`/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`)
        .set(headers)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), username, password: TEST_PASSWORD, returnTo: returnTo ?? '' });
      assert.ok(res.status === 302 || res.status === 303, `login answered ${res.status}: ${res.text.slice(0, 200)}`);
      return remember(res);
    },
    async logout() {
      const page = await agent.get('/logout');
      await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) });
    },
    sessionCookie: () => cookie,
  };
}

export interface TestServer {
  origin: string;
  /** The plugin behind the site, e.g. to change a setting the way an admin would. */
  mfa: MfaPlugin;
  /** The bridge behind /bridge/v1, e.g. to make a client the way an admin does. */
  bridge: Bridge;
  database: TestDatabase;
  addUser(username: string, password: string, isAdmin?: boolean): Promise<void>;
  /** Stops answering (the listener closed, open connections cut), as a crashed or stopped site does. */
  stopListening(): Promise<void>;
  /** Answers again on the same port. */
  listenAgain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The same site on a real loopback port (for Chromium), on real time unless given a
 * clock (the plugin's clock then: attempts, MFA passes, TOTP). Served as
 * http://localhost so WebAuthn has a valid RP ID; the host reports that address, port
 * included, as its own (what the Moodle app would have as the site URL).
 */
export async function startTestServer(options: { clock?: TestClock; factors?: readonly FactorProviderFactory[] } = {}): Promise<TestServer> {
  const database = await createTestDatabase('sqlite');
  await migrateSite(database.db);
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  const port = (listener.address() as AddressInfo).port;
  const origin = `http://localhost:${port}`;
  const { app, mfa, bridge } = buildTestApp(database, { now: options.clock?.now, hostOrigin: origin, factors: options.factors });
  listener.on('request', app);
  const stop = () => new Promise<void>((resolve) => {
    if (!listener.listening) return resolve();
    listener.close(() => resolve());
    listener.closeAllConnections();
  });
  return {
    origin,
    mfa,
    bridge,
    database,
    async addUser(username, password, isAdmin = false) {
      await createUser(database.db, { username, email: `${username}@example.test`, password, isAdmin, passwordHashing: TEST_PASSWORD_HASHING });
    },
    stopListening: stop,
    async listenAgain() {
      await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    },
    async close() {
      await stop();
      await mfa.notifications.settled();
      await database.drop();
    },
  };
}
