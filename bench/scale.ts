/**
 * P4: the code check with 1,000,000 users enrolled against 1,000 (MariaDB). Both
 * databases are the bench's own (`mfa_bench`, `mfa_bench_1k`), seeded once and kept: a
 * marker table says how many users each holds, and a later run seeds only what is
 * missing. Also prints the EXPLAIN of every query the verify path runs.
 */
import type { Knex } from 'knex';
import type { BuiltSite } from '../lms/start.ts';
import { ensureMysqlDatabase, mysqlUrlFor } from './benchDatabases.ts';
import { buildMfaSite, listen, type Listening } from './benchSites.ts';
import { CONFIG } from './benchConfig.ts';
import type { TotpJob } from './load/loadJob.ts';
import { openTokenAttempts, turnOnAppMfa } from './openTokenAttempts.ts';
import { runLoad } from './runLoad.ts';
import { type SeededUser, seedUsers, userTemplate } from './seedUsers.ts';

const MARKER = 'bench_marker';
const PREFIX = 's';

interface ScaleDatabase {
  name: string;
  users: number;
  site: BuiltSite;
  listening: Listening;
  totp: TotpJob;
}

async function marker(db: Knex, name: string): Promise<string | null> {
  return ((await db(MARKER).where({ name }).first('value')) as { value: string } | undefined)?.value ?? null;
}

async function setMarker(db: Knex, name: string, value: string): Promise<void> {
  await db(MARKER).insert({ name, value }).onConflict('name').merge(['value']);
}

/** The database `name` with at least `target` enrolled users, seeding what is missing. */
async function scaleDatabase(name: string, target: number, dataDir: string, log: (line: string) => void): Promise<ScaleDatabase> {
  await ensureMysqlDatabase(name);
  const site = await buildMfaSite(mysqlUrlFor(name), dataDir);
  const { db, plugin } = site;
  if (!(await db.schema.hasTable(MARKER))) {
    await db.schema.createTable(MARKER, (t) => {
      t.string('name', 64).primary();
      t.text('value').notNullable();
    });
  }
  await turnOnAppMfa(plugin);
  const template = await userTemplate(db, plugin, {
    load: async () => JSON.parse((await marker(db, 'totp')) ?? 'null') as TotpJob | null,
    save: (totp) => setMarker(db, 'totp', JSON.stringify(totp)),
  });
  let users = Number((await marker(db, 'users')) ?? 0);
  if (users < target) {
    const started = Date.now();
    log(`  seeding ${name}: ${users} → ${target} users with TOTP ...`);
    // In steps, each recorded: an interrupted seeding resumes where it stopped.
    for (const step = 100_000; users < target; ) {
      const count = Math.min(step, target - users);
      await seedUsers(db, template, { prefix: PREFIX, from: users, count, totp: true, batch: 2000 });
      users += count;
      await setMarker(db, 'users', String(users));
    }
    log(`  seeded ${name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { name, users, site, listening: await listen(site.app), totp: template.totp };
}

async function randomUsers(db: Knex, users: number, count: number): Promise<SeededUser[]> {
  const names = new Set<string>();
  while (names.size < Math.min(count, users)) names.add(`${PREFIX}${Math.floor(Math.random() * users)}`);
  const rows = (await db('lms_users').whereIn('username', [...names]).select('id', 'username')) as Array<{ id: number; username: string }>;
  return rows.map((r) => ({ id: String(r.id), username: r.username }));
}

interface Captured {
  sql: string;
  bindings: readonly unknown[];
}

/** The queries one verification runs, each with the EXPLAIN MariaDB gives it on this database. */
async function explainVerifyPath(scale: ScaleDatabase): Promise<Array<{ sql: string; plan: Array<Record<string, unknown>> }>> {
  const [user] = await randomUsers(scale.site.db, scale.users, 1);
  if (!user) return [];
  const [handle] = await openTokenAttempts(scale.site.plugin, [user]);
  const captured = new Map<string, Captured>();
  const listener = (query: { sql: string; bindings?: readonly unknown[] }) => {
    if (/^\s*(select|update|delete)\b/i.test(query.sql) && !captured.has(query.sql)) captured.set(query.sql, { sql: query.sql, bindings: query.bindings ?? [] });
  };
  scale.site.db.on('query', listener);
  try {
    const result = await runLoad({ kind: 'verifyLatency', origin: scale.listening.origin, handles: [handle ?? ''], totp: scale.totp, connections: 1, seconds: 30 });
    if (result.done !== 1) throw new Error(`the verification for EXPLAIN failed: ${result.firstFailure}`);
  } finally {
    scale.site.db.off('query', listener);
  }
  const explained = [];
  for (const { sql, bindings } of captured.values()) {
    const [rows] = (await scale.site.db.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])) as [Array<Record<string, unknown>>];
    explained.push({ sql, plan: rows.map((r) => ({ table: r.table, type: r.type, key: r.key, rows: r.rows, Extra: r.Extra })) });
  }
  return explained;
}

export interface ScaleResult {
  smallUsers: number;
  bigUsers: number;
  small: { p50: number; p99: number; done: number; failed: number };
  big: { p50: number; p99: number; done: number; failed: number };
  ratioP50: number;
  ratioP99: number;
  explain: Array<{ sql: string; plan: Array<Record<string, unknown>> }>;
}

export async function measureScale(dataDir: string, log: (line: string) => void): Promise<ScaleResult> {
  const small = await scaleDatabase('mfa_bench_1k', CONFIG.smallUsers, dataDir, log);
  const big = await scaleDatabase('mfa_bench', CONFIG.scaleUsers, dataDir, log);
  try {
    const sums = { small: { p50: 0, p99: 0, done: 0, failed: 0 }, big: { p50: 0, p99: 0, done: 0, failed: 0 } };
    // Each side's users drawn once for every round: a user drawn twice within one TOTP step would answer "used already".
    const perRound = Math.ceil(CONFIG.scaleVerifications / CONFIG.rounds);
    const drawn = { small: await randomUsers(small.site.db, small.users, perRound * CONFIG.rounds), big: await randomUsers(big.site.db, big.users, perRound * CONFIG.rounds) };
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const [side, scale] of [['small', small], ['big', big]] as const) {
        const users = drawn[side].slice(round * perRound, (round + 1) * perRound);
        const handles = await openTokenAttempts(scale.site.plugin, users);
        const r = await runLoad({ kind: 'verifyLatency', origin: scale.listening.origin, handles, totp: scale.totp, connections: CONFIG.scaleConnections, seconds: 60 });
        if (r.failed > 0) log(`  P4 ${side}: ${r.failed} failed (${r.firstFailure})`);
        sums[side].p50 += r.p50 / CONFIG.rounds;
        sums[side].p99 += r.p99 / CONFIG.rounds;
        sums[side].done += r.done;
        sums[side].failed += r.failed;
      }
    }
    const explain = await explainVerifyPath(big);
    return { smallUsers: small.users, bigUsers: big.users, small: sums.small, big: sums.big, ratioP50: sums.big.p50 / sums.small.p50, ratioP99: sums.big.p99 / sums.small.p99, explain };
  } finally {
    for (const scale of [small, big]) {
      await scale.listening.close();
      await scale.site.plugin.notifications.settled();
      scale.site.mailer.close();
      await scale.site.db.destroy();
    }
  }
}
