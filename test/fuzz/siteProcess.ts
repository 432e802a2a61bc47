import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

/** The reference site as `npm start` runs it, in a child process: a crash shows as the process gone. */
export interface SiteProcess {
  origin: string;
  adminPassword: string;
  /** The process is still running. */
  alive(): boolean;
  /** What it printed on stderr (its error log), last 20,000 characters. */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts lms/start.ts on a free loopback port, on a fresh SQLite database in a temp
 * directory (its working directory, so its generated keys and outbox land there too).
 */
export async function startSiteProcess(): Promise<SiteProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-site-'));
  const adminPassword = 'fuzz admin password';
  // tsx is resolved from the repository: the child's working directory is the temp dir.
  const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, join(ROOT, 'lms', 'start.ts')], {
    cwd: dir,
    env: { ...process.env, PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}`, ADMIN_PASSWORD: adminPassword, SMTP_URL: '', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the site did not start in 60 s:\n${out}\n${errors}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const port = /listening on http:\/\/localhost:(\d+)/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the site exited (${code}) before listening:\n${out}\n${errors}`));
    });
  });
  return {
    origin,
    adminPassword,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => errors,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
