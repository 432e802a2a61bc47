/**
 * The load side of `npm run bench`: a second process (spawned by bench/run.ts, so the site
 * and its load never share an event loop), on loopback, bounded in requests and seconds.
 * Reads one job from the JSON file named on the command line, prints one JSON result line.
 * Simple requests go through autocannon; whole logins and timed verifications through a
 * small client of N virtual users over fetch (autocannon cannot follow a multi-step form).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { generateTotpCode, type TotpParameters } from '../../plugin/factors/totp/index.ts';
import { browserLogin } from './browserLogin.ts';

/** The shared authenticator key of the seeded users (bench/seedUsers.ts). */
export interface TotpJob extends TotpParameters {
  secret: string;
}

export type LoadJob =
  | { kind: 'get'; url: string; cookie?: string; expect: string; connections: number; seconds: number }
  | { kind: 'tokenVerify'; origin: string; handles: string[]; totp: TotpJob; connections: number; seconds: number }
  | { kind: 'indexedRead'; origin: string; usernames: string[]; connections: number; seconds: number }
  | { kind: 'logins'; origin: string; usernames: string[]; password: string; totp?: TotpJob; connections: number; seconds: number }
  | { kind: 'verifyLatency'; origin: string; handles: string[]; totp: TotpJob; connections: number; seconds: number };

export interface LoadResult {
  /** Operations that succeeded (a page served, a token issued, a whole login). */
  done: number;
  failed: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds, of the successful operations. */
  p50: number;
  p99: number;
  /** The first failure, for the table's notes. */
  firstFailure?: string;
}

/** The current code of the shared key, always ready for a synchronous caller (autocannon's setupRequest). */
class CodeClock {
  private codes = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly totp: TotpJob) {}

  private step(at: number): number {
    return Math.floor(at / 1000 / this.totp.period);
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    const next = new Map<number, string>();
    for (const at of [now, now + this.totp.period * 1000]) next.set(this.step(at), await generateTotpCode({ ...this.totp, now: at }));
    this.codes = next;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), 1000);
  }

  now(): string {
    const code = this.codes.get(this.step(Date.now()));
    if (!code) throw new Error('no TOTP code ready for this time step');
    return code;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** autocannon over `requests`, stopped after `seconds` even when `amount` is not reached. */
async function cannon(options: autocannon.Options, seconds: number, judge: (status: number, body: string) => string | null): Promise<LoadResult> {
  let done = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const onResponse = (status: number, body: string) => {
    const failure = judge(status, body);
    if (failure === null) done++;
    else {
      failed++;
      firstFailure ??= failure;
    }
  };
  const requests = (options.requests ?? [{}]).map((r) => ({ ...r, onResponse }));
  const started = performance.now();
  const instance = autocannon({ ...options, requests, ...(options.amount ? {} : { duration: seconds }) });
  const stop = setTimeout(() => instance.stop(), seconds * 1000 + 500);
  const result = await instance;
  clearTimeout(stop);
  const elapsed = (performance.now() - started) / 1000;
  const measured = options.amount ? elapsed : result.duration;
  return { done, failed: failed + result.errors + result.timeouts, seconds: measured, perSecond: done / measured, p50: result.latency.p50, p99: result.latency.p99, firstFailure };
}

const expectToken = (status: number, body: string) => (status === 200 && body.includes('"token"') ? null : `${status} ${body.slice(0, 200)}`);

/** N virtual users, each taking the next item until the items or the seconds run out. */
async function virtualUsers<T>(items: T[], connections: number, seconds: number, run: (item: T) => Promise<void>): Promise<LoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const user = async () => {
    while (performance.now() < deadline && next < items.length) {
      const item = items[next++] as T;
      const t0 = performance.now();
      try {
        await run(item);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failed++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, user));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, failed, seconds: elapsed, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), firstFailure };
}

export async function runJob(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'get':
      return cannon({ url: job.url, connections: job.connections, headers: job.cookie ? { cookie: job.cookie } : {} }, job.seconds, (status, body) =>
        status === 200 && body.includes(job.expect) ? null : `${status} ${body.slice(0, 200)}`,
      );
    case 'indexedRead': {
      let i = 0;
      const setupRequest = (req: autocannon.Request) => ({ ...req, path: `/indexed-read/${encodeURIComponent(job.usernames[i++ % job.usernames.length] ?? '')}` });
      return cannon({ url: job.origin, connections: job.connections, requests: [{ setupRequest }] }, job.seconds, (status, body) => (status === 200 && body.includes('"id"') ? null : `${status} ${body.slice(0, 200)}`));
    }
    case 'tokenVerify': {
      const codes = new CodeClock(job.totp);
      await codes.start();
      let i = 0;
      const setupRequest = (req: autocannon.Request) => ({
        ...req,
        method: 'POST',
        path: '/login/token.php',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ mfa_token: job.handles[i++] ?? '', mfa_code: codes.now() }).toString(),
      });
      try {
        return await cannon({ url: job.origin, connections: job.connections, amount: job.handles.length, requests: [{ setupRequest }] }, job.seconds, expectToken);
      } finally {
        codes.stop();
      }
    }
    case 'verifyLatency': {
      const codes = new CodeClock(job.totp);
      await codes.start();
      try {
        return await virtualUsers(job.handles, job.connections, job.seconds, async (handle) => {
          const response = await fetch(`${job.origin}/login/token.php`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ mfa_token: handle, mfa_code: codes.now() }).toString() });
          const failure = expectToken(response.status, await response.text());
          if (failure) throw new Error(failure);
        });
      } finally {
        codes.stop();
      }
    }
    case 'logins': {
      const codes = job.totp ? new CodeClock(job.totp) : undefined;
      await codes?.start();
      try {
        return await virtualUsers(job.usernames, job.connections, job.seconds, async (username) => {
          await browserLogin({ origin: job.origin, username, password: job.password, code: codes ? async () => codes.now() : undefined });
        });
      } finally {
        codes?.stop();
      }
    }
  }
}

const jobFile = process.argv[2];
if (jobFile) {
  const result = await runJob(JSON.parse(readFileSync(jobFile, 'utf8')) as LoadJob);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
