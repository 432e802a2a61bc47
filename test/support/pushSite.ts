import { builtInFactors } from '../../plugin/createMfaPlugin.ts';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { FactorContext } from '../../plugin/spi/factor.ts';
import { createStandInTables, pushStandIn } from './pushStandIn.ts';
import { TestClock } from './testPlugin.ts';
import { createTestSite, startTestServer, type TestServer, type TestSite } from './testSite.ts';

/**
 * The reference site with push approval on (the factors as configured, push among them),
 * on a real port for Chromium, on a clock the test can move (it starts at the real time,
 * so the browsers' own clocks agree).
 */
export async function startPushServer(): Promise<{ server: TestServer; clock: TestClock; context(): Promise<FactorContext> }> {
  const clock = new TestClock(Date.now());
  let server: TestServer | undefined;
  const started = () => {
    if (!server) throw new Error('the server is not started yet');
    return server;
  };
  const standIn = pushStandIn(() => started().database.db, () => started().mfa, clock.now);
  server = await startTestServer({ clock, factors: [...builtInFactors.filter((factory) => factory.id !== standIn.factory.id), standIn.factory] });
  await createStandInTables(server.database.db);
  await server.mfa.settings.set('factor.push.enabled', true, 'test');
  return { server, clock, context: () => standIn.context() };
}

/** The same for supertest: the site in process, with its mail and clock. */
export async function createPushSite(kind: 'sqlite' | 'mysql'): Promise<{ site: TestSite; context(): Promise<FactorContext> }> {
  let site: TestSite | undefined;
  const built = (): TestSite => {
    if (!site) throw new Error('the site is not built yet');
    return site;
  };
  const clock = { now: () => built().clock.now() };
  const standIn = pushStandIn(() => built().database.db, (): MfaPlugin => built().mfa, clock.now);
  site = await createTestSite(kind, { factors: [...builtInFactors.filter((factory) => factory.id !== standIn.factory.id), standIn.factory] });
  await createStandInTables(site.database.db);
  await site.mfa.settings.set('factor.push.enabled', true, 'test');
  return { site, context: () => standIn.context() };
}
