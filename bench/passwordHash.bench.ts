/**
 * Password hashing candidates for the reference site, hashes/s and verifies/s with every
 * core busy (issue 15). Each figure is also a ratio against bcryptjs cost 10 (what the site
 * used before) measured in the same run, and verifies/s per core sits beside Keycloak's
 * published sizing: 15 password logins/s per vCPU with Argon2id, 5 iterations, 7 MiB
 * (https://www.keycloak.org/high-availability/concepts-memory-and-cpu-sizing).
 *
 * Parameter sets come from OWASP's Password Storage Cheat Sheet: argon2id m=19 MiB, t=2,
 * p=1 is its first option and m=7 MiB, t=5, p=1 (Keycloak's) its last; the options are
 * meant to be equally strong. Bcrypt's floor there is cost 10.
 *
 * The candidates that are dependencies (bcryptjs, @node-rs/argon2) always run. Others run
 * when installed in the folder PASSWORD_BENCH_MODULES names (a node_modules' parent), so
 * the project does not depend on packages it only compares:
 *   mkdir /tmp/pwbench && cd /tmp/pwbench && npm init -y && npm install argon2 bcrypt
 *   PASSWORD_BENCH_MODULES=/tmp/pwbench npx tsx bench/passwordHash.bench.ts
 *
 * Bounded: each phase runs for BENCH_PASSWORD_SECONDS (default 1.5, 0.75 with BENCH_QUICK=1).
 * The last line printed is one JSON object of the rows, for scripts.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SITE_PASSWORD_HASHING } from '../lms/passwordHashing.ts';
import { KEYCLOAK_LOGINS_PER_VCPU } from './benchConfig.ts';


interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(stored: string, password: string): Promise<boolean>;
}

export interface PasswordHashCandidate {
  name: string;
  /** The npm package doing the work. */
  package: string;
  parameters: string;
  /** Runs on the libuv threadpool (every core), or on the event loop (one core, and it blocks requests meanwhile). */
  offEventLoop: boolean;
  /** The hasher, or null when the package is not installed. */
  load(): Promise<PasswordHasher | null>;
}

export interface PasswordHashRow {
  candidate: string;
  package: string;
  parameters: string;
  offEventLoop: boolean;
  /** Set when the candidate could not run (not installed, failed to load). */
  skipped?: string;
  hashesPerSecond?: number;
  verifiesPerSecond?: number;
  /** Verifies per second of one core: per CPU-second the process used, so other load on the machine does not skew it. */
  verifiesPerCoreSecond?: number;
  /** Hashes per second of one core, likewise. */
  hashesPerCoreSecond?: number;
  /** verifies per core-second over bcryptjs cost 10's, same run. */
  verifiesVsBcryptjs?: number;
  /** verifies per core-second over Keycloak's 15 logins/s per vCPU. */
  perCoreVsKeycloak?: number;
  /** The event loop's worst delay (p99) while verifying: what other requests waited. */
  eventLoopDelayP99Ms?: number;
  /** The candidate the reference site uses now (lms/passwordHashing.ts). */
  siteChoice?: boolean;
}

export interface PasswordHashBenchOptions {
  /** Seconds per phase (hash, then verify) per candidate. @default 1.5, or 0.75 with BENCH_QUICK=1 */
  seconds?: number;
  /** Operations in flight at once. @default 2 per core, at least 4 */
  concurrency?: number;
  /** Where optional candidates are installed (the parent of their node_modules). @default PASSWORD_BENCH_MODULES */
  modulesDir?: string;
}

/** Imports `name` from `modulesDir`'s node_modules; null when it is not there. */
async function importFrom(modulesDir: string | undefined, name: string): Promise<unknown> {
  if (!modulesDir) return null;
  let resolved: string;
  try {
    resolved = createRequire(join(modulesDir, 'package.json')).resolve(name);
  } catch {
    return null;
  }
  return import(pathToFileURL(resolved).href);
}

function nodeRsArgon2id(memoryKiB: number, iterations: number): PasswordHashCandidate {
  return {
    name: `argon2id m=${memoryKiB / 1024} MiB, t=${iterations}, p=1`,
    package: '@node-rs/argon2',
    parameters: `m=${memoryKiB},t=${iterations},p=1`,
    offEventLoop: true,
    async load() {
      const argon2 = await import('@node-rs/argon2');
      // 2 is Algorithm.Argon2id: the package's const enum has no value at run time.
      const options = { algorithm: 2, memoryCost: memoryKiB, timeCost: iterations, parallelism: 1 };
      return { hash: (password) => argon2.hash(password, options), verify: (stored, password) => argon2.verify(stored, password) };
    },
  };
}

function nodeArgon2id(memoryKiB: number, iterations: number, modulesDir: string | undefined): PasswordHashCandidate {
  return {
    name: `argon2id m=${memoryKiB / 1024} MiB, t=${iterations}, p=1`,
    package: 'argon2',
    parameters: `m=${memoryKiB},t=${iterations},p=1`,
    offEventLoop: true,
    async load() {
      const module = (await importFrom(modulesDir, 'argon2')) as { default: { hash(p: string, o: object): Promise<string>; verify(h: string, p: string): Promise<boolean>; argon2id: number } } | null;
      if (!module) return null;
      const argon2 = module.default;
      const options = { type: argon2.argon2id, memoryCost: memoryKiB, timeCost: iterations, parallelism: 1 };
      return { hash: (password) => argon2.hash(password, options), verify: (stored, password) => argon2.verify(stored, password) };
    },
  };
}

function nativeBcrypt(cost: number, modulesDir: string | undefined): PasswordHashCandidate {
  return {
    name: `bcrypt cost ${cost}`,
    package: 'bcrypt',
    parameters: `cost=${cost}`,
    offEventLoop: true,
    async load() {
      const module = (await importFrom(modulesDir, 'bcrypt')) as { default: { hash(p: string, c: number): Promise<string>; compare(p: string, h: string): Promise<boolean> } } | null;
      if (!module) return null;
      const bcrypt = module.default;
      return { hash: (password) => bcrypt.hash(password, cost), verify: (stored, password) => bcrypt.compare(password, stored) };
    },
  };
}

const BCRYPTJS_BASELINE: PasswordHashCandidate = {
  name: 'bcryptjs cost 10 (baseline: the site before)',
  package: 'bcryptjs',
  parameters: 'cost=10',
  offEventLoop: false,
  async load() {
    const bcrypt = (await import('bcryptjs')).default;
    return { hash: (password) => bcrypt.hash(password, 10), verify: (stored, password) => bcrypt.compare(password, stored) };
  },
};

export function passwordHashCandidates(modulesDir: string | undefined): PasswordHashCandidate[] {
  return [
    BCRYPTJS_BASELINE,
    nodeRsArgon2id(7168, 5),
    nodeRsArgon2id(19456, 2),
    nodeArgon2id(7168, 5, modulesDir),
    nodeArgon2id(19456, 2, modulesDir),
    nativeBcrypt(10, modulesDir),
    nativeBcrypt(12, modulesDir),
  ];
}

interface Throughput {
  perSecond: number;
  /** Operations per second of CPU this process used (threadpool included): a per-core figure other load on the machine does not skew. */
  perCpuSecond: number;
  loopDelayP99Ms: number;
}

/** Operations/s with `concurrency` of them in flight, for `seconds`; per CPU-second; the event loop's p99 delay meanwhile. */
async function throughput(operation: () => Promise<unknown>, concurrency: number, seconds: number): Promise<Throughput> {
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await operation();
        done += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  loopDelay.disable();
  return { perSecond: done / elapsed, perCpuSecond: done / ((cpu.user + cpu.system) / 1e6), loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
}

export async function benchPasswordHashing(options: PasswordHashBenchOptions = {}): Promise<PasswordHashRow[]> {
  const cores = availableParallelism();
  const seconds = options.seconds ?? Number(process.env.BENCH_PASSWORD_SECONDS ?? (process.env.BENCH_QUICK ? 0.75 : 1.5));
  const concurrency = options.concurrency ?? Math.max(4, 2 * cores);
  const sitePackage = '@node-rs/argon2';
  const siteParameters = `m=${SITE_PASSWORD_HASHING.memoryKiB},t=${SITE_PASSWORD_HASHING.iterations},p=${SITE_PASSWORD_HASHING.parallelism}`;
  const rows: PasswordHashRow[] = [];
  let baseline: number | undefined;
  for (const candidate of passwordHashCandidates(options.modulesDir ?? process.env.PASSWORD_BENCH_MODULES)) {
    const row: PasswordHashRow = { candidate: candidate.name, package: candidate.package, parameters: candidate.parameters, offEventLoop: candidate.offEventLoop };
    if (candidate.package === sitePackage && candidate.parameters === siteParameters) row.siteChoice = true;
    rows.push(row);
    let hasher: PasswordHasher | null;
    try {
      hasher = await candidate.load();
    } catch (error) {
      row.skipped = `failed to load: ${(error as Error).message}`;
      continue;
    }
    if (!hasher) {
      row.skipped = 'not installed (see PASSWORD_BENCH_MODULES)';
      continue;
    }
    const password = 'correct horse battery staple';
    const stored = await hasher.hash(password); // also the warm-up
    if (!(await hasher.verify(stored, password))) throw new Error(`${candidate.package} ${candidate.name} does not verify its own hash`);
    const hashes = await throughput(() => hasher.hash(password), concurrency, seconds);
    const verifies = await throughput(() => hasher.verify(stored, password), concurrency, seconds);
    baseline ??= verifies.perCpuSecond;
    row.hashesPerSecond = hashes.perSecond;
    row.verifiesPerSecond = verifies.perSecond;
    row.hashesPerCoreSecond = hashes.perCpuSecond;
    row.verifiesPerCoreSecond = verifies.perCpuSecond;
    row.verifiesVsBcryptjs = verifies.perCpuSecond / baseline;
    row.perCoreVsKeycloak = verifies.perCpuSecond / KEYCLOAK_LOGINS_PER_VCPU;
    row.eventLoopDelayP99Ms = verifies.loopDelayP99Ms;
  }
  return rows;
}

/** The rows as the table the CLI prints. */
export function formatPasswordHashTable(rows: readonly PasswordHashRow[], cores: number, concurrency: number): string {
  const lines = [
    `Password hashing, ${concurrency} in flight on ${cores} cores (Keycloak: ${KEYCLOAK_LOGINS_PER_VCPU} logins/s per vCPU; goal: ${4 * KEYCLOAK_LOGINS_PER_VCPU}/s per core)`,
    '  (/s: wall clock, all cores; /core-s: per second of CPU used, i.e. per core; ×: verifies per core-s over bcryptjs\'s and over Keycloak\'s per vCPU)',
    `  ${'package'.padEnd(16)} ${'parameters'.padEnd(46)} ${'hash/s'.padStart(7)} ${'verify/s'.padStart(8)} ${'hash/core-s'.padStart(11)} ${'verify/core-s'.padStart(13)} ${'×bcryptjs'.padStart(9)} ${'×Keycloak'.padStart(9)} ${'loop p99'.padStart(9)}`,
  ];
  for (const row of rows) {
    const label = `${row.package.padEnd(16)} ${`${row.candidate}${row.siteChoice ? ' [site]' : ''}`.padEnd(46)}`;
    if (row.skipped) {
      lines.push(`  ${label} skipped: ${row.skipped}`);
      continue;
    }
    const number = (value: number | undefined, digits: number, width: number) => (value ?? 0).toFixed(digits).padStart(width);
    lines.push(
      `  ${label} ${number(row.hashesPerSecond, 1, 7)} ${number(row.verifiesPerSecond, 1, 8)} ${number(row.hashesPerCoreSecond, 1, 11)} ${number(row.verifiesPerCoreSecond, 1, 13)} ${number(row.verifiesVsBcryptjs, 2, 8)}× ${number(row.perCoreVsKeycloak, 2, 8)}× ${number(row.eventLoopDelayP99Ms, 1, 6)} ms`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cores = availableParallelism();
  const concurrency = Math.max(4, 2 * cores);
  const rows = await benchPasswordHashing({ concurrency });
  console.log(formatPasswordHashTable(rows, cores, concurrency));
  console.log(JSON.stringify({ passwordHashing: { cores, concurrency, rows } }));
}
