/**
 * How many SQL statements each user-facing step costs: GET /my (plugin on and off), a
 * whole password + TOTP login, a code check at login/token.php. A count, not a time, so
 * it is the same on any machine: what the profiles of the slow paths pointed at.
 * Run: npm run bench:queries (SQLite; DATABASE kind from BENCH_DB=mysql for MariaDB).
 */
import type { Knex } from 'knex';
import { freshDatabase } from './benchDatabases.ts';
import { buildMfaSite, buildPlainSite, listen } from './benchSites.ts';
import { browserLogin } from './load/browserLogin.ts';
import { runJob } from './load/loadJob.ts';
import { openTokenAttempts, turnOnAppMfa } from './openTokenAttempts.ts';
import { BENCH_PASSWORD, seedUsers, userTemplate } from './seedUsers.ts';
import { generateTotpCode } from '../plugin/factors/totp/index.ts';

async function counted(db: Knex, work: () => Promise<unknown>): Promise<{ total: number; statements: Record<string, number> }> {
  const statements: Record<string, number> = {};
  let total = 0;
  const listener = (q: { sql: string }) => {
    total++;
    const verb = /^\s*(\w+)/.exec(q.sql)?.[1]?.toLowerCase() ?? '?';
    const table = /(?:from|into|update)\s+`?(\w+)`?/i.exec(q.sql)?.[1] ?? '';
    const key = `${verb} ${table}`.trim();
    statements[key] = (statements[key] ?? 0) + 1;
  };
  db.on('query', listener);
  try {
    await work();
  } finally {
    db.off('query', listener);
  }
  return { total, statements };
}

const database = await freshDatabase(process.env.BENCH_DB === 'mysql' ? 'mysql' : 'sqlite');
const site = await buildMfaSite(database.url, database.dataDir);
try {
  await turnOnAppMfa(site.plugin);
  const template = await userTemplate(site.db, site.plugin);
  const code = async () => generateTotpCode({ ...template.totp, now: Date.now() });
  const users = await seedUsers(site.db, template, { prefix: 'q', count: 4, totp: true });
  const [a, b, c, d] = users.map((u) => u.username) as [string, string, string, string];
  const mfa = await listen(site.app);
  const plain = await listen(buildPlainSite(site.db));
  const report = (label: string, r: { total: number; statements: Record<string, number> }) =>
    console.log(`${label.padEnd(40)} ${String(r.total).padStart(3)} statements  ${Object.entries(r.statements).map(([k, n]) => `${k}×${n}`).join(', ')}`);
  let onCookie = '';
  report('whole login, password + TOTP', await counted(site.db, async () => (onCookie = (await browserLogin({ origin: mfa.origin, username: a, password: BENCH_PASSWORD, code })).header())));
  let offCookie = '';
  report('whole login, plugin off', await counted(site.db, async () => (offCookie = (await browserLogin({ origin: plain.origin, username: b, password: BENCH_PASSWORD })).header())));
  const get = (origin: string, cookie: string) => fetch(`${origin}/my`, { headers: { cookie } }).then((r) => r.text());
  await get(mfa.origin, onCookie);
  report('GET /my, MFA passed', await counted(site.db, () => get(mfa.origin, onCookie)));
  report('GET /my, plugin off', await counted(site.db, () => get(plain.origin, offCookie)));
  const [handle] = await openTokenAttempts(site.plugin, users.slice(2, 3));
  report('token.php mfa_token + mfa_code', await counted(site.db, () => runJob({ kind: 'verifyLatency', origin: mfa.origin, handles: [handle ?? ''], totp: template.totp, connections: 1, seconds: 10 })));
  void c;
  void d;
  await mfa.close();
  await plain.close();
} finally {
  await site.plugin.notifications.settled();
  site.mailer.close();
  await site.db.destroy();
  await database.drop();
}
