import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mfa-bridge.js', import.meta.url));

/** Runs `node bin/mfa-bridge.js ...` as an admin would, on its own SQLite file. */
function runBinary(argv: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the mfa-bridge binary', () => {
  let dir: string;
  let databaseUrl: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-cli-'));
    databaseUrl = `sqlite:${join(dir, 'cli.sqlite')}`;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes a setting on a fresh database and exits 0', async () => {
    const set = await runBinary(['settings', 'set', 'mobile_app_mfa', 'true'], databaseUrl);
    assert.deepEqual(set, { code: 0, stdout: 'mobile_app_mfa: false -> true\n', stderr: '' });
    const get = await runBinary(['settings', 'get', 'mobile_app_mfa'], databaseUrl);
    assert.deepEqual(get, { code: 0, stdout: 'true\n', stderr: '' });
  });

  it('exits 2 for an unknown command and says which exist', async () => {
    const run = await runBinary(['reset-everything'], databaseUrl);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "reset-everything"; the commands are: migrate, user, settings, mfa, keys, help/);
  });

  it('exits 1 for an unknown setting, without a stack trace', async () => {
    const run = await runBinary(['settings', 'set', 'lockout', '5'], databaseUrl);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: There is no setting "lockout". Did you mean: lockout_threshold? List them with: npx mfa-bridge settings list\n');
  });

  it('exits 1 for a bad value, saying what is accepted', async () => {
    const run = await runBinary(['settings', 'set', 'enabled', 'maybe'], databaseUrl);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: MFA plugin enabled (enabled): "maybe" is not accepted; use true or false.\n');
  });
});
