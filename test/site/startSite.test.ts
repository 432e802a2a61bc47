import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSiteConfig } from '../../lms/config.ts';
import { buildSite, startSite } from '../../lms/start.ts';

/** What `npm start` does itself, run as it runs: the production refusals and the first-start admin. */
describe('npm start (startSite)', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-start-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses to start in production without MFA_SECRET_KEY, then without SESSION_SECRET, saying how to make one', async () => {
    const dir = freshDir();
    const env = { NODE_ENV: 'production', DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}` };
    await assert.rejects(buildSite(readSiteConfig(env, dir), env, () => undefined), /MFA_SECRET_KEY is required when NODE_ENV=production\. Make one with/);
    const withKey = { ...env, MFA_SECRET_KEY: randomBytes(32).toString('base64') };
    await assert.rejects(buildSite(readSiteConfig(withKey, dir), withKey, () => undefined), /SESSION_SECRET is required when NODE_ENV=production/);
  });

  it('creates the admin once on an empty database, printing its password once, and that password logs in', async () => {
    const dir = freshDir();
    const env = { PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}` };
    const lines: string[] = [];
    const first = await startSite(readSiteConfig(env, dir), env, (line) => lines.push(line));
    let password: string | undefined;
    try {
      password = /^Created user admin with password (\S+) \(shown once: change it\)\.$/.exec(lines.find((l) => l.startsWith('Created user admin')) ?? '')?.[1];
      assert.ok(password, lines.join('\n'));
      const form = await fetch(`${first.url}/login`);
      const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      const login = await fetch(`${first.url}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, username: 'admin', password }) });
      assert.equal(login.status, 303);
      assert.equal(login.headers.get('location'), '/my');
    } finally {
      await first.close();
    }
    const again: string[] = [];
    const second = await startSite(readSiteConfig(env, dir), env, (line) => again.push(line));
    await second.close();
    assert.ok(!again.some((line) => line.startsWith('Created user admin')), 'the second start creates nobody');
  });
});
