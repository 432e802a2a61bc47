import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import knex, { type Knex } from 'knex';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find((path) => existsSync(path));

/** Why a private server cannot be started here, or null when it can (.ci/run installs mariadb-server). */
export function privateMariadbMissing(): string | null {
  if (!existsSync(MARIADBD)) return `${MARIADBD} is not installed (apt-get install mariadb-server)`;
  if (!INSTALL_DB) return 'mariadb-install-db is not installed (apt-get install mariadb-server)';
  return null;
}

/**
 * A MariaDB server of the test's own: its own data directory under a temp dir, on a free
 * loopback port, no grant tables (root, no password, loopback only). The test can kill it
 * (SIGKILL, as a crash or a pulled plug would) and start it again on the same port and data.
 */
export interface PrivateMariadb {
  port: number;
  /** mysql://root@127.0.0.1:PORT/NAME */
  urlFor(database: string): string;
  /** SIGKILL, then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same data and port; resolves once it answers queries. */
  start(): Promise<void>;
  /** Kills the server and deletes its data. */
  remove(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const missing = privateMariadbMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'mfa-mariadb-'));
  const datadir = join(dir, 'data');
  // mariadbd refuses to run as root unless told to: we are root in CI.
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];
  await promisify(execFile)(INSTALL_DB ?? '', ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asUser], { timeout: 120_000 });
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-grant-tables',
    // Small: the machine is shared, and the test holds a few rows.
    '--innodb-buffer-pool-size=32M',
    '--performance-schema=OFF',
    ...asUser,
  ];
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function answers(): Promise<boolean> {
    const probe: Knex = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 }, pool: { min: 0, max: 1 } });
    try {
      await probe.raw('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await probe.destroy();
    }
  }

  async function start(): Promise<void> {
    const child = spawn(MARIADBD, args, { stdio: 'ignore' });
    server = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) break;
      if (await answers()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-2000) : '(no error log)';
    child.kill('SIGKILL');
    throw new Error(`the private mariadbd did not answer on port ${port}:\n${log}`);
  }

  async function kill(): Promise<void> {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
  }

  await start();
  return {
    port,
    urlFor: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    kill,
    start,
    async remove() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
