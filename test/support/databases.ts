import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import knex from 'knex';
import { openDatabase } from '../../plugin/store/openDatabase.ts';

/**
 * The databases every store test runs against: SQLite always; MySQL/MariaDB when
 * MFA_TEST_MYSQL_URL is set (CI sets it; `npm run test:mysql` sets it locally).
 */
export const MYSQL_URL = process.env.MFA_TEST_MYSQL_URL;
export const databaseKinds: Array<'sqlite' | 'mysql'> = MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
if (!MYSQL_URL && !process.env.MFA_TEST_MYSQL_NOTICE_SHOWN) {
  process.env.MFA_TEST_MYSQL_NOTICE_SHOWN = '1';
  console.log('# MySQL suite skipped: set MFA_TEST_MYSQL_URL (or run `npm run test:mysql`) to run every store test on MariaDB too.');
}

export interface TestDatabase {
  kind: 'sqlite' | 'mysql';
  url: string;
  db: Knex;
  /** Closes the pool and deletes the database. */
  drop(): Promise<void>;
}

/** A fresh, empty database of `kind`: a temporary SQLite file, or a new MySQL schema. */
export async function createTestDatabase(kind: 'sqlite' | 'mysql'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-test-'));
    const url = `sqlite:${join(dir, 'test.sqlite')}`;
    const db = openDatabase(url);
    return {
      kind,
      url,
      db,
      async drop() {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!MYSQL_URL) throw new Error('MFA_TEST_MYSQL_URL is not set');
  const name = `mfa_test_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'mysql2', connection: { uri: MYSQL_URL } as Knex.MySql2ConnectionConfig, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  const url = MYSQL_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const db = openDatabase(url);
  return {
    kind,
    url,
    db,
    async drop() {
      await db.destroy();
      const cleanup = knex({ client: 'mysql2', connection: { uri: MYSQL_URL } as Knex.MySql2ConnectionConfig, pool: { min: 0, max: 1 } });
      await cleanup.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await cleanup.destroy();
    },
  };
}
