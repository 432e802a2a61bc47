import type { FactorContext } from '../../plugin/spi/factor.ts';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { TestClock } from './testPlugin.ts';
import { createTestSite, startTestServer, type TestServer, type TestSite } from './testSite.ts';

/** The push factor's context, as its routes get it from the registry. */
export async function pushContext(mfa: MfaPlugin): Promise<FactorContext> {
  return mfa.registry.contextFor(mfa.registry.factory('push'), await mfa.settings.snapshot());
}

/**
 * The reference site with push approval on (a built-in factor, off by default), on a real
 * port for Chromium, on a clock the test can move (it starts at the real time, so the
 * browsers' own clocks agree).
 */
export async function startPushServer(): Promise<{ server: TestServer; clock: TestClock; context(): Promise<FactorContext> }> {
  const clock = new TestClock(Date.now());
  const server = await startTestServer({ clock });
  await server.mfa.settings.set('factor.push.enabled', true, 'test');
  return { server, clock, context: () => pushContext(server.mfa) };
}

/** The same for supertest: the site in process, with its mail and clock. */
export async function createPushSite(kind: 'sqlite' | 'mysql'): Promise<{ site: TestSite; context(): Promise<FactorContext> }> {
  const site = await createTestSite(kind);
  await site.mfa.settings.set('factor.push.enabled', true, 'test');
  return { site, context: () => pushContext(site.mfa) };
}
