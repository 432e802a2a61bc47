import { runFuzz, summaryLine } from './runFuzz.ts';
import { startSiteProcess } from './siteProcess.ts';

// `npm run fuzz`: FUZZ_COUNT requests (default 10,000) in at most FUZZ_SECONDS (default 600)
// against the site in a child process on loopback. Exits 1 on any answer ≥ 500 that no filed
// finding explains, or if the site process died. FUZZ_SEED replays a run.

const count = Number(process.env.FUZZ_COUNT ?? 10_000);
const seconds = Number(process.env.FUZZ_SECONDS ?? 600);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const site = await startSiteProcess();
let failed = true;
try {
  const summary = await runFuzz({ origin: site.origin, adminPassword: site.adminPassword, count, seconds, seed });
  const alive = site.alive() && (await fetch(`${site.origin}/login`)).status === 200;
  for (const failure of summary.failures.slice(0, 20)) console.error(`FAIL ${failure.status} ${JSON.stringify(failure.fuzzCase)}`);
  console.log(`${summaryLine(summary)}; seed ${seed}; site process ${alive ? 'alive' : 'DEAD'}`);
  if (!alive) console.error(site.stderr().slice(-3000));
  failed = summary.failures.length > 0 || !alive || summary.sent < Math.min(count, 1);
} finally {
  await site.stop();
}
process.exit(failed ? 1 : 0);
