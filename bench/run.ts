/**
 * `npm run bench`: what users and operators feel, through HTTP, each figure a ratio
 * against a baseline measured in the same run, on SQLite and MariaDB:
 *   P1 gate       an MFA-passed GET /my, plugin on vs off (same session store)      ≥ 0.97
 *   P2 login      password + TOTP logins/s vs password-only logins/s                ≥ 0.85
 *   P3 code check TOTP verifications/s at login/token.php vs one indexed read      ≥ 0.6
 *   P4 scale      verify p50/p99 with 1,000,000 users vs 1,000 (MariaDB)           ≤ 1.2
 *   site floor    an MFA-passed GET /my vs an Express hello-world                  ≥ 0.30
 * The site runs in this process, built as `npm start` builds it; the load runs in a child
 * process on loopback (bench/load/loadJob.ts), bounded in requests and seconds. Prints a
 * table, writes bench/results/latest.json, and its last line is the ratios as one JSON
 * object. BENCH_QUICK=1: the same shape in under 5 minutes (P4 with 100,000 users).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { CONFIG, GOALS, KEYCLOAK_LOGINS_PER_VCPU, QUICK, runs } from './benchConfig.ts';
import { type BenchDatabase, freshDatabase, MYSQL_SERVER_URL, mysqlAnswers } from './benchDatabases.ts';
import { buildMfaSite, buildPlainSite, helloWorldApp, indexedReadApp, listen } from './benchSites.ts';
import { browserLogin } from './load/browserLogin.ts';
import type { LoadResult } from './load/loadJob.ts';
import { openTokenAttempts, turnOnAppMfa } from './openTokenAttempts.ts';
import { benchPasswordHashing, formatPasswordHashTable } from './passwordHash.bench.ts';
import { runLoad } from './runLoad.ts';
import { measureScale, type ScaleResult } from './scale.ts';
import { BENCH_PASSWORD, type SeededUser, seedUsers, userTemplate } from './seedUsers.ts';
import { generateTotpCode } from '../plugin/factors/totp/index.ts';

const CORES = availableParallelism();
const log = (line: string) => console.log(line);

interface Row {
  db: string;
  name: string;
  measured: string;
  baseline: string;
  ratio: number | null;
  goal: string;
  met: boolean | null;
}

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const ratios: Record<string, Record<string, number | null> | null> = {};

const rate = (r: LoadResult, unit: string) => `${r.perSecond.toFixed(1)} ${unit}/s (p50 ${r.p50.toFixed(1)} ms)${r.failed ? `, ${r.failed} failed` : ''}`;

/** Sums rounds: the operations done over the seconds taken, and the mean of the rounds' latencies. */
function combine(results: LoadResult[]): LoadResult {
  const done = results.reduce((s, r) => s + r.done, 0);
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  const mean = (f: (r: LoadResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  return { done, failed: results.reduce((s, r) => s + r.failed, 0), seconds, perSecond: done / seconds, p50: mean((r) => r.p50), p99: mean((r) => r.p99), firstFailure: results.find((r) => r.firstFailure)?.firstFailure };
}

function failIfBroken(label: string, r: LoadResult): void {
  // A run where more than 1 % failed measured something else than it says.
  if (r.done === 0 || r.failed > r.done / 100) throw new Error(`${label}: ${r.done} done, ${r.failed} failed; first failure: ${r.firstFailure}`);
}

async function benchDatabase(database: BenchDatabase): Promise<Record<string, number | null>> {
  const kind = database.kind;
  const site = await buildMfaSite(database.url, database.dataDir);
  const { db, plugin } = site;
  const out: Record<string, number | null> = {};
  const closers: Array<() => Promise<void>> = [];
  try {
    await turnOnAppMfa(plugin);
    const template = await userTemplate(db, plugin);
    const code = async () => generateTotpCode({ ...template.totp, now: Date.now() });
    const seedStart = Date.now();
    const loginUsers = await seedUsers(db, template, { prefix: 'login', count: CONFIG.rounds * CONFIG.loginsPerRound, totp: true });
    const codeUsers = await seedUsers(db, template, { prefix: 'code', count: CONFIG.verifications, totp: true });
    const pageUsers = await seedUsers(db, template, { prefix: 'page', count: 2, totp: true });
    log(`  ${kind}: seeded ${loginUsers.length + codeUsers.length + pageUsers.length} users in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    const mfa = await listen(site.app);
    const plain = await listen(buildPlainSite(db));
    const hello = await listen(helloWorldApp());
    const reads = await listen(indexedReadApp(db));
    closers.push(mfa.close, plain.close, hello.close, reads.close);

    if (runs('p1')) {
      const [onUser, offUser] = pageUsers as [SeededUser, SeededUser];
      const onCookie = (await browserLogin({ origin: mfa.origin, username: onUser.username, password: BENCH_PASSWORD, code })).header();
      const offCookie = (await browserLogin({ origin: plain.origin, username: offUser.username, password: BENCH_PASSWORD })).header();
      const on: LoadResult[] = [];
      const off: LoadResult[] = [];
      const floor: LoadResult[] = [];
      const page = { connections: CONFIG.pageConnections, seconds: CONFIG.pageSeconds };
      for (let round = 0; round < CONFIG.rounds; round++) {
        floor.push(await runLoad({ kind: 'get', url: `${hello.origin}/hello`, expect: 'Hello world', ...page }));
        off.push(await runLoad({ kind: 'get', url: `${plain.origin}/my`, cookie: offCookie, expect: offUser.username, ...page }));
        on.push(await runLoad({ kind: 'get', url: `${mfa.origin}/my`, cookie: onCookie, expect: onUser.username, ...page }));
      }
      const [pOn, pOff, pHello] = [combine(on), combine(off), combine(floor)];
      for (const [label, r] of [['P1 plugin on', pOn], ['P1 plugin off', pOff], ['hello-world', pHello]] as const) failIfBroken(`${kind} ${label}`, r);
      out.p1 = pOn.perSecond / pOff.perSecond;
      out.siteFloor = pOn.perSecond / pHello.perSecond;
      rows.push({ db: kind, name: 'P1 gate: GET /my, MFA passed', measured: rate(pOn, 'req'), baseline: `plugin off: ${rate(pOff, 'req')}`, ratio: out.p1, goal: `≥ ${GOALS.p1}`, met: out.p1 >= GOALS.p1 });
      rows.push({ db: kind, name: 'site floor: GET /my vs hello-world', measured: rate(pOn, 'req'), baseline: `hello: ${rate(pHello, 'req')}`, ratio: out.siteFloor, goal: `≥ ${GOALS.siteFloor}`, met: out.siteFloor >= GOALS.siteFloor });
      details[`${kind}.p1`] = { on, off, hello: floor };
    }

    if (runs('p2')) {
      const withMfa: LoadResult[] = [];
      const passwordOnly: LoadResult[] = [];
      // CPU the site's process spent (its event loop and libuv's threadpool, where the password hash runs; with
      // SQLite the database too, with MariaDB not): logins per CPU-second are logins per fully busy core, the unit of
      // Keycloak's sizing, and other work on the machine does not change them as it changes logins per wall second.
      const siteCpu = { withMfa: 0, passwordOnly: 0 };
      const timedCpu = async (into: 'withMfa' | 'passwordOnly', work: () => Promise<LoadResult>) => {
        const before = process.cpuUsage();
        const result = await work();
        const used = process.cpuUsage(before);
        siteCpu[into] += (used.user + used.system) / 1e6;
        return result;
      };
      const logins = { password: BENCH_PASSWORD, connections: CONFIG.loginUsers, seconds: CONFIG.loginSeconds };
      for (let round = 0; round < CONFIG.rounds; round++) {
        // Each round its own users: a TOTP code is good once per user and time step.
        const usernames = loginUsers.slice(round * CONFIG.loginsPerRound, (round + 1) * CONFIG.loginsPerRound).map((u) => u.username);
        passwordOnly.push(await timedCpu('passwordOnly', () => runLoad({ kind: 'logins', origin: plain.origin, usernames, ...logins })));
        withMfa.push(await timedCpu('withMfa', () => runLoad({ kind: 'logins', origin: mfa.origin, usernames, totp: template.totp, ...logins })));
      }
      const [m, p] = [combine(withMfa), combine(passwordOnly)];
      failIfBroken(`${kind} P2 password + TOTP`, m);
      failIfBroken(`${kind} P2 password only`, p);
      out.p2 = m.perSecond / p.perSecond;
      out.loginsPerCore = m.done / siteCpu.withMfa;
      const passwordOnlyPerCore = p.done / siteCpu.passwordOnly;
      rows.push({ db: kind, name: 'P2 whole login: password + TOTP', measured: rate(m, 'login'), baseline: `password only: ${rate(p, 'login')}`, ratio: out.p2, goal: `≥ ${GOALS.p2}`, met: out.p2 >= GOALS.p2 });
      rows.push({
        db: kind,
        name: 'P2 per core (logins per CPU-second of the site)',
        measured: `${out.loginsPerCore.toFixed(1)} logins/s/core with TOTP; ${passwordOnlyPerCore.toFixed(1)} password only (wall clock: ${(m.perSecond / CORES).toFixed(1)} per each of ${CORES} cores)`,
        baseline: `Keycloak ${KEYCLOAK_LOGINS_PER_VCPU}/s/vCPU`,
        ratio: out.loginsPerCore / KEYCLOAK_LOGINS_PER_VCPU,
        goal: `≥ 4 (${GOALS.loginsPerCore}/s/core)`,
        met: out.loginsPerCore >= GOALS.loginsPerCore,
      });
      details[`${kind}.p2`] = { withMfa, passwordOnly, siteCpuSeconds: siteCpu };
    }

    if (runs('p3')) {
      const handles = await openTokenAttempts(plugin, codeUsers);
      const verify = await runLoad({ kind: 'tokenVerify', origin: mfa.origin, handles, totp: template.totp, connections: CONFIG.codeConnections, seconds: CONFIG.verifySeconds });
      const read = await runLoad({ kind: 'indexedRead', origin: reads.origin, usernames: codeUsers.map((u) => u.username), connections: CONFIG.codeConnections, seconds: CONFIG.readSeconds });
      failIfBroken(`${kind} P3 verify`, verify);
      failIfBroken(`${kind} P3 indexed read`, read);
      out.p3 = verify.perSecond / read.perSecond;
      rows.push({ db: kind, name: 'P3 code check: token.php mfa_code', measured: rate(verify, 'verif'), baseline: `indexed read: ${rate(read, 'req')}`, ratio: out.p3, goal: `≥ ${GOALS.p3}`, met: out.p3 >= GOALS.p3 });
      details[`${kind}.p3`] = { verify, read };
    }
  } finally {
    for (const close of closers) await close();
    await plugin.notifications.settled();
    site.mailer.close();
    await db.destroy();
  }
  return out;
}

function printScale(scale: ScaleResult): void {
  log('\nP4: the queries of one verification (token.php, mfa_token + mfa_code) on the big database, EXPLAINed:');
  for (const { sql, plan } of scale.explain) {
    log(`  ${sql}`);
    for (const p of plan) log(`      table ${p.table}, type ${p.type}, key ${p.key ?? '(none)'}, rows ${p.rows}${p.Extra ? `, ${p.Extra}` : ''}`);
  }
}

function printTable(): void {
  const header = ['db', 'measure', 'measured', 'baseline (same run)', 'ratio', 'goal', 'met'];
  const cells = rows.map((r) => [r.db, r.name, r.measured, r.baseline, r.ratio === null ? '-' : r.ratio.toFixed(2), r.goal, r.met === null ? '-' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i] ?? 0)).join(' | ');
  log(`\n${line(header)}`);
  log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) log(line(c));
}

const started = Date.now();
const kinds = (process.env.BENCH_DB ? [process.env.BENCH_DB] : ['sqlite', 'mysql']) as Array<'sqlite' | 'mysql'>;
const conditions = { quick: QUICK, cores: CORES, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))), node: process.version, startedAt: new Date(started).toISOString() };
log(`mfa-bridge bench${QUICK ? ` (BENCH_QUICK: shorter runs; P4 with the users mfa_bench holds, at least ${CONFIG.scaleUsers.toLocaleString('en')}, maybe fewer than 1,000,000: see its row)` : ''}: ${CORES} cores, load average ${conditions.loadAverageAtStart.join(' ')}; site in this process, load in a child process on loopback`);
for (const kind of kinds) {
  if (kind === 'mysql' && !(await mysqlAnswers())) {
    log(`  mysql: no MariaDB answers at ${MYSQL_SERVER_URL.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')} (set MFA_TEST_MYSQL_URL): skipped`);
    ratios.mysql = null;
    continue;
  }
  log(`  ${kind}: measuring ...`);
  const database = await freshDatabase(kind);
  try {
    ratios[kind] = await benchDatabase(database);
    if (kind === 'mysql' && runs('p4')) {
      const scale = await measureScale(database.dataDir, log);
      const p4 = Math.max(scale.ratioP50, scale.ratioP99);
      (ratios[kind] as Record<string, number | null>).p4 = p4;
      details['mysql.p4'] = scale;
      rows.push({
        db: kind,
        name: `P4 verify latency, ${scale.bigUsers.toLocaleString('en')} vs ${scale.smallUsers.toLocaleString('en')} users`,
        measured: `p50 ${scale.big.p50.toFixed(1)} ms, p99 ${scale.big.p99.toFixed(1)} ms`,
        baseline: `p50 ${scale.small.p50.toFixed(1)} ms, p99 ${scale.small.p99.toFixed(1)} ms`,
        ratio: p4,
        goal: `≤ ${GOALS.p4} (p50 ${scale.ratioP50.toFixed(2)}, p99 ${scale.ratioP99.toFixed(2)})`,
        met: p4 <= GOALS.p4,
      });
      printScale(scale);
    }
  } finally {
    await database.drop();
  }
}
printTable();
if (runs('hash')) {
  // The reference site's password hash beside bcryptjs (its old one) and Keycloak's sizing: P2's per-core ceiling.
  const concurrency = Math.max(4, 2 * CORES);
  const hashRows = await benchPasswordHashing({ concurrency });
  details.passwordHashing = { concurrency, rows: hashRows };
  log(`\n${formatPasswordHashTable(hashRows, CORES, concurrency)}`);
}
const seconds = (Date.now() - started) / 1000;
const summary = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v && Object.fromEntries(Object.entries(v).filter(([name]) => name !== 'loginsPerCore').map(([name, value]) => [name, value === null ? null : Number(value.toFixed(3))]))]));
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ conditions: { ...conditions, seconds, loadAverageAtEnd: loadavg() }, ratios: summary, loginsPerCore: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v?.loginsPerCore ?? null])), rows, details }, null, 2)}\n`);
log(`\n${seconds.toFixed(0)} s; details in bench/results/latest.json. Ratios (last line):`);
log(JSON.stringify(summary));
