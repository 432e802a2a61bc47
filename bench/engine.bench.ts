/**
 * Engine cost per login step, as ratios against a baseline measured in the same run:
 * one settings read (a single SELECT), the floor under any request. Bounded in count;
 * nothing leaves this machine. Run: npm run bench (add MFA_TEST_MYSQL_URL for MariaDB too).
 */
import { performance } from 'node:perf_hooks';
import { generateTotpCode, type TotpSetup } from '../plugin/factors/totp/index.ts';
import { databaseKinds } from '../test/support/databases.ts';
import { createTestPlugin } from '../test/support/testPlugin.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const facts = { ip: '198.51.100.1', userAgent: 'bench' };

async function timeIt(label: string, run: (i: number) => Promise<unknown>): Promise<{ label: string; perOpMs: number }> {
  for (let i = 0; i < 20; i++) await run(-1 - i); // warm-up
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await run(i);
  return { label, perOpMs: (performance.now() - start) / ITERATIONS };
}

for (const kind of databaseKinds) {
  const t = await createTestPlugin(kind);
  try {
    const user = t.host.addUser('bench');
    const setup = (await t.mfa.enrolment.beginSetup(user, 'totp', {})) as TotpSetup;
    const code = (at: number) => generateTotpCode({ secret: setup.secret, now: at, algorithm: 'SHA1', digits: 6, period: 30 });
    await t.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await code(t.clock.time) }, { actor: 'bench', ip: null });

    const { token: identityToken } = await t.mfa.identityTokens.create(user.id, { name: 'bench', expiresAt: null, scope: [] }, { ip: null, door: 'api' });
    const { token: apiSession } = await t.mfa.apiSessions.open(user.id, { hours: 8, mfaPassedAt: t.clock.time, ip: null });

    const results = [
      await timeIt('baseline: settings snapshot (1 SELECT)', () => t.mfa.settings.snapshot()),
      await timeIt('openAttempt (user with TOTP)', () => t.mfa.engine.openAttempt({ user, door: 'web', facts })),
      await timeIt('openAttempt + verify TOTP (a whole second step)', async () => {
        t.clock.advance(30_000); // a fresh time step each round: codes are single-use
        const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        if (opened.outcome !== 'pending') throw new Error(`unexpected ${opened.outcome}`);
        await t.mfa.engine.verify(opened.attempt.id, 'totp', { code: await code(t.clock.time) }, facts);
      }),
      await timeIt('wrong code (counted toward lockout)', async () => {
        const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        if (opened.outcome !== 'pending') throw new Error(`unexpected ${opened.outcome}`);
        await t.mfa.admin.unlockUserFactors({ userId: user.id, actor: 'bench' });
        await t.mfa.engine.verify(opened.attempt.id, 'totp', { code: '000000' }, facts).catch(() => undefined);
      }),
      await timeIt('identity token use (lookup + last-use check)', () => t.mfa.identityTokens.authenticate(identityToken, facts.ip)),
      await timeIt('API session use (lookup)', () => t.mfa.apiSessions.authenticate(apiSession)),
    ];
    const baseline = results[0]?.perOpMs ?? 1;
    console.log(`\n${kind}: ${ITERATIONS} iterations each`);
    for (const r of results) {
      console.log(`  ${r.label.padEnd(52)} ${r.perOpMs.toFixed(3).padStart(8)} ms/op   ${(r.perOpMs / baseline).toFixed(1).padStart(6)}× baseline`);
    }
  } finally {
    await t.drop();
  }
}
