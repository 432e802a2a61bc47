/**
 * The bench's databases: SQLite always; MariaDB at MFA_TEST_MYSQL_URL, or else the local
 * one (mysql://root@127.0.0.1:3306/test) when it answers. BENCH_DB=sqlite or =mysql runs one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';

export const MYSQL_SERVER_URL = process.env.MFA_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

export interface BenchDatabase {
  kind: 'sqlite' | 'mysql';
  url: string;
  /** A directory for the site's files (its mail outbox). */
  dataDir: string;
  drop(): Promise<void>;
}

function adminConnection(): Knex {
  return knex({ client: 'mysql2', connection: { uri: MYSQL_SERVER_URL } as Knex.MySql2ConnectionConfig, pool: { min: 0, max: 1 } });
}

export function mysqlUrlFor(database: string): string {
  return MYSQL_SERVER_URL.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
}

export async function mysqlAnswers(): Promise<boolean> {
  const admin = adminConnection();
  try {
    await admin.raw('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await admin.destroy();
  }
}

export async function ensureMysqlDatabase(name: string): Promise<void> {
  const admin = adminConnection();
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
}

/** A fresh database for one run, dropped afterwards. */
export async function freshDatabase(kind: 'sqlite' | 'mysql'): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-bench-'));
  if (kind === 'sqlite') {
    return { kind, url: `sqlite:${join(dataDir, 'bench.sqlite')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `mfa_bench_run_${randomBytes(4).toString('hex')}`;
  await ensureMysqlDatabase(name);
  return {
    kind,
    url: mysqlUrlFor(name),
    dataDir,
    async drop() {
      const admin = adminConnection();
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
