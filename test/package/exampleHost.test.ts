/**
 * Issue 13: a stranger's Express + Passport app gains MFA by installing the packed
 * package, as docs/add-to-your-app.md says (issue 21: the guide, not the README). The package is packed
 * (`npm pack`, which builds dist/), installed into a temporary copy of
 * examples/express-passport with npm, started with plain `node` (no tsx, no TypeScript
 * anywhere at run time), and used over HTTP: password, set up an authenticator app,
 * log out, password again, then the second factor through the `mfa-totp` strategy.
 *
 * One shortcut, said here: npm installs every package, mfa-bridge's tarball included, with
 * --ignore-scripts, and the app's better-sqlite3 gets this checkout's compiled binding when
 * the versions match instead of a minute of node-gyp on a small machine (mfa-bridge itself
 * has no install script). A different version is compiled, in the temporary folder only.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { packPackage, ROOT } from '../support/packedPackage.ts';
import { codeFor } from '../support/totpDevice.ts';

const run = promisify(execFile);
const EXAMPLE = join(ROOT, 'examples', 'express-passport');

/** A browser's cookie jar, enough for one site on 127.0.0.1. */
class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  get sessionCookie(): string | undefined {
    return this.cookies.get('connect.sid');
  }

  async request(path: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
    const response = await fetch(`${this.base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }

  /** Another browser holding a copy of this one's cookies (a second tab's requests, or a stolen cookie). */
  copy(): Browser {
    const other = new Browser(this.base);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    return other;
  }

  /** Follows redirects from `first` as a browser does; every answer on the way. */
  async follow(first: Promise<{ status: number; location: string | null; body: string }>) {
    const answers = [await first];
    while (answers.length < 6 && answers.at(-1)!.location) answers.push(await this.request(answers.at(-1)!.location!));
    return answers;
  }

  /** Opens a page and submits its form (the one posting to `action`) with its CSRF token and these fields. */
  async submit(pagePath: string, action: string, fields: Record<string, string>) {
    const page = await this.request(pagePath);
    assert.equal(page.status, 200, `${pagePath} should show a form, got ${page.status}`);
    const formHtml = page.body.slice(page.body.indexOf(`action="${action}"`));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(formHtml)?.[1];
    assert.ok(csrf, `the form posting to ${action} on ${pagePath} carries a CSRF token`);
    return this.request(action, { _csrf: csrf, ...fields });
  }
}

/** The compiled binding of better-sqlite3 for the example app: this checkout's when it is the same version, else built there. */
async function provideSqliteBinding(appDir: string): Promise<void> {
  const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const ours = join(ROOT, 'node_modules', 'better-sqlite3');
  const theirs = join(appDir, 'node_modules', 'better-sqlite3');
  if (versionOf(ours) === versionOf(theirs)) {
    mkdirSync(join(theirs, 'build', 'Release'), { recursive: true });
    cpSync(join(ours, 'build', 'Release', 'better_sqlite3.node'), join(theirs, 'build', 'Release', 'better_sqlite3.node'));
  } else {
    await run('npm', ['rebuild', 'better-sqlite3'], { cwd: appDir, maxBuffer: 16 * 1024 * 1024 });
  }
}

/** The lines between "mfa-bridge: begin (<name>)" and "mfa-bridge: end" in the example's app.js, by name. */
function markedSnippets(source: string): Array<{ name: string; code: string }> {
  return [...source.matchAll(/\/\/ mfa-bridge: begin \(([^)\n]*)\)[^\n]*\n([\s\S]*?)\/\/ mfa-bridge: end/g)].map((m) => ({ name: m[1]!, code: m[2]!.trimEnd() }));
}

describe('an existing Express + Passport app, with the packed package installed', { timeout: 600_000 }, () => {
  let work = '';
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const serverKey = randomBytes(32).toString('base64');
  let server: ChildProcess;
  let base = '';

  before(async () => {
    const { work: packWork, tarball } = await packPackage();
    work = packWork;
    const appDir = join(work, 'app');
    cpSync(EXAMPLE, appDir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.endsWith('.sqlite') });
    await run('npm', ['install', tarball, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: appDir, maxBuffer: 16 * 1024 * 1024 });
    await provideSqliteBinding(appDir);
    server = spawn(process.execPath, ['app.js'], {
      cwd: appDir,
      env: { PATH: process.env.PATH, PORT: '0', MFA_SECRET_KEY: serverKey, SESSION_SECRET: randomBytes(24).toString('hex'), DEMO_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    server.stderr!.on('data', (chunk) => (errors += String(chunk)));
    base = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk) => {
        const address = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk))?.[0];
        if (address) resolve(address);
      });
      server.once('exit', (code) => reject(new Error(`the example app exited (${code}): ${errors}`)));
    });
  }, { timeout: 600_000 }); // packing and installing: minutes on a loaded 2-core machine (npm test gives each file 600 s in all)

  after(() => {
    server?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the guide shows, word for word, every line the example adds for mfa-bridge', () => {
    const guide = readFileSync(join(ROOT, 'docs', 'add-to-your-app.md'), 'utf8');
    const snippets = markedSnippets(readFileSync(join(EXAMPLE, 'app.js'), 'utf8'));
    assert.deepEqual(
      snippets.map((s) => s.name),
      [
        'imports',
        'the plugin',
        'login: the password, then the second factor',
        "second factor: send an email code, a security key's options, the browser helper",
        "set-up: the user's own page, behind the recent-pass guard",
        'set-up required: the first factor passes the login',
      ],
      'app.js marks its imports, the plugin, the login routes, the second factor’s helpers, and the set-up routes',
    );
    for (const { name, code } of snippets) assert.ok(guide.includes(`\n${code}\n\`\`\``), `docs/add-to-your-app.md lacks this part of the example (${name}), as one code block's end:\n${code}`);
  });

  it('installed the built package only: JavaScript and declarations, no TypeScript sources', () => {
    const manifest = JSON.parse(readFileSync(join(work, 'app', 'node_modules', 'mfa-bridge', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    assert.deepEqual(Object.keys(manifest.exports).sort(), ['.', './bridge', './browser', './cli', './express', './package.json', './passport', './spi']);
    const installed = join(work, 'app', 'node_modules', 'mfa-bridge');
    const sources = readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    assert.deepEqual(sources, [], 'no TypeScript to run');
    assert.ok(readdirSync(join(installed, 'dist', 'plugin')).includes('index.js'));
    const listing = readFileSync(join(work, 'app', 'package-lock.json'), 'utf8');
    assert.doesNotMatch(listing, /"node_modules\/tsx"/, 'tsx is not installed with the package');
  });

  it('serves the browser helper the installed package ships (mfaBrowserScript), as a script', async () => {
    const response = await fetch(`${base}/mfa-bridge-browser.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await response.text(), /export function wireKeyForms/);
  });

  it('logs in with the password, sets up an authenticator app, and then needs its code to log in', async () => {
    const browser = new Browser(base);
    const first = await browser.submit('/login', '/login', { username: 'ada', password });
    assert.deepEqual([first.status, first.location], [302, '/'], 'no factor set up yet: the password alone logs in');

    const setup = await browser.submit('/account/mfa', '/account/mfa/totp', {});
    const secret = /<code id="secret">([A-Z2-7]+)<\/code>/.exec(setup.body)?.[1];
    assert.ok(secret, 'the set-up page shows the key');
    assert.match(setup.body, /aria-label="QR code of the key"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, 'and draws it as a QR code (qrCodeSvg from the installed package)');
    const setupId = /name="setupId" value="(\d+)"/.exec(setup.body)?.[1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(setup.body)?.[1]!;
    const confirmed = await browser.request('/account/mfa/totp/confirm', { _csrf: csrf, setupId, code: await codeFor(secret, Date.now()) });
    assert.deepEqual([confirmed.status, confirmed.location], [302, '/account/mfa']);
    await browser.submit('/', '/logout', {});

    const password2 = await browser.submit('/login', '/login', { username: 'ada', password });
    assert.deepEqual([password2.status, password2.location], [302, '/login/mfa'], 'now the password leads to the second factor');
    const home = await browser.request('/');
    assert.equal(home.location, '/login', 'and nobody is logged in until it passes');

    const sessionBefore = browser.sessionCookie;
    const now = Date.now();
    const validNearby = new Set(await Promise.all([-30_000, 0, 30_000, 60_000].map((shift) => codeFor(secret, now + shift))));
    const wrong = ['123456', '654321', '111111'].find((code) => !validNearby.has(code))!;
    const refused = await browser.submit('/login/mfa', '/login/mfa', { factor: 'totp', code: wrong });
    assert.deepEqual([refused.status, refused.location], [302, '/login/mfa']);
    const again = await browser.request('/login/mfa');
    assert.match(again.body, /role="alert">[^<]*(not right|wrong)/i, 'the wrong code is refused with the plugin’s message');

    // The set-up spent this time step's code: the next step's is what the app shows soon after.
    const passed = await browser.submit('/login/mfa', '/login/mfa', { factor: 'totp', code: await codeFor(secret, now + 30_000) });
    assert.deepEqual([passed.status, passed.location], [302, '/'], 'the mfa-totp strategy passed the login');
    assert.notEqual(browser.sessionCookie, sessionBefore, 'a new session id after the second factor');
    const welcome = await browser.request('/');
    assert.match(welcome.body, /Hello ada/);
  });

  it('copies of one pending cookie racing the owner: one logs in, each other is sent to the login told why, never a 500', async () => {
    // ada from a known state, whatever ran before: no factor, then a fresh authenticator app.
    const appDir = join(work, 'app');
    const cliEnv = { PATH: process.env.PATH, MFA_CLI_MODULE: './mfa-cli.js', MFA_SECRET_KEY: serverKey };
    await run(join(appDir, 'node_modules', '.bin', 'mfa-bridge'), ['mfa', 'reset', 'ada', '--reason', 'Race test starts clean'], { cwd: appDir, env: cliEnv });
    const owner = new Browser(base);
    await owner.submit('/login', '/login', { username: 'ada', password });
    const setup = await owner.submit('/account/mfa', '/account/mfa/totp', {});
    const secret = /<code id="secret">([A-Z2-7]+)<\/code>/.exec(setup.body)?.[1];
    assert.ok(secret, 'the set-up page shows the key');
    const now = Date.now();
    const confirmed = await owner.request('/account/mfa/totp/confirm', {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(setup.body)?.[1]!,
      setupId: /name="setupId" value="(\d+)"/.exec(setup.body)?.[1]!,
      code: await codeFor(secret, now),
    });
    assert.equal(confirmed.location, '/account/mfa');
    await owner.submit('/', '/logout', {});
    assert.equal((await owner.submit('/login', '/login', { username: 'ada', password })).location, '/login/mfa');

    const form = await owner.request('/login/mfa');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1]!;
    const code = await codeFor(secret, now + 30_000);
    const browsers = [owner, owner.copy(), owner.copy(), owner.copy()];
    const journeys = await Promise.all(browsers.map((browser) => browser.follow(browser.request('/login/mfa', { _csrf: csrf, factor: 'totp', code }))));
    for (const journey of journeys) for (const answer of journey) assert.ok(answer.status < 500, `never a 5xx: ${answer.status} ${answer.body.slice(0, 200)}`);
    const alerts = (body: string) => [...body.matchAll(/role="alert">([^<]*)</g)].map((m) => m[1]!.replace(/&#39;/g, "'"));
    const lostToAnother = /^(That code was used already|Your login has expired or was already used|This login was already used|No login is waiting for a second factor: it was finished in another tab or window)/;
    const won = journeys.filter((journey) => /Hello ada/.test(journey.at(-1)!.body));
    assert.equal(won.length, 1, 'exactly one logs in');
    const lost = browsers.filter((_browser, i) => !/Hello ada/.test(journeys[i]!.at(-1)!.body));
    assert.equal(lost.length, 3);
    for (const [i, journey] of journeys.entries()) {
      if (won.includes(journey)) continue;
      const end = journey.at(-1)!;
      if (end.status === 403) {
        // It arrived after the owner's login had replaced the session its form came from: the CSRF check refuses it.
        assert.match(alerts(end.body).join(' '), /^Your form expired/, `loser ${i} is told its form is stale`);
        continue;
      }
      // The login page, or the second-factor page when it lost on the code before the owner had finished.
      assert.match(end.body, /<h1>(Log in|Verify it’s you)<\/h1>/, `loser ${i} lands on the login: ${end.status} ${end.body.slice(0, 300)}`);
      assert.match(alerts(end.body).join(' '), lostToAnother, `loser ${i} is told why it lost: ${alerts(end.body).join(' | ')}`);
    }
    // Once the owner is in, a loser's next look at the second-factor step (a reload) sends it to the login, saying why.
    for (const browser of lost) {
      const next = await browser.follow(browser.request('/login/mfa'));
      for (const answer of next) assert.ok(answer.status < 500, `never a 5xx: ${answer.status}`);
      assert.match(next.at(-1)!.body, /<h1>Log in<\/h1>/);
      assert.match(alerts(next.at(-1)!.body).join(' '), lostToAnother);
    }
  });

  it('the package’s mfa-bridge command runs the app’s CLI over its own users: an admin reset, and the password alone logs in again', async () => {
    const appDir = join(work, 'app');
    const env = { PATH: process.env.PATH, MFA_CLI_MODULE: './mfa-cli.js', MFA_SECRET_KEY: serverKey };
    const bin = join(appDir, 'node_modules', '.bin', 'mfa-bridge');
    const setting = await run(bin, ['settings', 'get', 'factor.totp.enabled'], { cwd: appDir, env });
    assert.equal(setting.stdout.trim(), 'true');
    const reset = await run(bin, ['mfa', 'reset', 'ada', '--reason', 'Lost phone, checked at the desk'], { cwd: appDir, env });
    assert.match(reset.stdout, /ada/);
    const browser = new Browser(base);
    const login = await browser.submit('/login', '/login', { username: 'ada', password });
    assert.deepEqual([login.status, login.location], [302, '/'], 'after the reset ada has no factor: the password alone logs in');
    const withoutHost = await run(bin, ['help'], { cwd: appDir, env: { PATH: process.env.PATH } }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((withoutHost as { code: number }).code, 2);
    assert.match((withoutHost as { stderr: string }).stderr, /MFA_CLI_MODULE/, 'without the app’s CLI module, the command says how to make one');
  });
});
