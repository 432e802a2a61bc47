import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSecretKey, loadSessionSecret } from '../../lms/config.ts';
import { createMailer } from '../../adapters/mail/createMailer.ts';
import { openDatabase } from '../../plugin/store/openDatabase.ts';

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** Issue 11 finding 13: what the site writes to disk is readable by its own account alone. */
describe('data files are owner-only', () => {
  const root = mkdtempSync(join(tmpdir(), 'mfa-private-'));
  // A world-readable parent, as a fresh checkout's folder is: the modes below must not come from it.
  chmodSync(root, 0o755);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('creates the SQLite database 0600 in a new 0700 folder, and its -wal and -shm 0600', async () => {
    const dir = join(root, 'data');
    const file = join(dir, 'mfa.sqlite');
    const db = openDatabase(`sqlite:${file}`);
    try {
      await db.schema.createTable('probe', (t) => t.increments('id'));
      await db('probe').insert({});
      assert.equal(modeOf(dir), '700');
      assert.equal(modeOf(file), '600');
      const journals = readdirSync(dir).filter((name) => name.endsWith('-wal') || name.endsWith('-shm'));
      assert.deepEqual(journals.sort(), ['mfa.sqlite-shm', 'mfa.sqlite-wal'], 'WAL mode made its files');
      for (const name of journals) assert.equal(modeOf(join(dir, name)), '600', name);
    } finally {
      await db.destroy();
    }
  });

  it('tightens a database file an earlier version left world-readable', async () => {
    const file = join(root, 'old.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const db = openDatabase(`sqlite:${file}`);
    try {
      await db.raw('select 1');
      assert.equal(modeOf(file), '600');
    } finally {
      await db.destroy();
    }
  });

  it('saves outbox mail 0600 in a 0700 folder', async () => {
    const outbox = join(root, 'outbox');
    const mailer = createMailer({ outboxDir: outbox });
    await mailer.send({ to: 'ada@example.test', subject: 'Your code', text: '123456' });
    mailer.close();
    assert.equal(modeOf(outbox), '700');
    const eml = readdirSync(outbox)[0] ?? '';
    assert.ok(eml.endsWith('.eml'));
    assert.equal(modeOf(join(outbox, eml)), '600');
  });
  it('generates the development keys 0600 in a new 0700 data folder (production takes them from the environment)', () => {
    const dataDir = join(root, 'keys', 'data');
    loadSecretKey({}, dataDir);
    loadSessionSecret({}, dataDir);
    assert.equal(modeOf(dataDir), '700');
    for (const name of ['secret.key', 'session.secret']) assert.equal(modeOf(join(dataDir, name)), '600', name);
  });
});
