import type { Express } from 'express';
import type { Knex } from 'knex';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { openDatabase } from '../../plugin/store/openDatabase.ts';
import { browserOn, buildTestApp, type TestBrowser, type TestSite } from './testSite.ts';

/** One more app process of a TestSite: its own wiring and connection pool, the same database and keys. */
export interface SiteInstance {
  app: Express;
  mfa: MfaPlugin;
  /** This instance's own connection pool. */
  db: Knex;
  browser(): TestBrowser;
  close(): Promise<void>;
}

/**
 * A second (third...) app over `site`'s database, built as another `npm start` would build
 * it: its own knex pool, plugin, session store and Passport, the same MFA_SECRET_KEY and
 * SESSION_SECRET. Nothing is shared with `site` in memory (the code keeps no module-level
 * state that decides a login), so what holds across these instances holds across
 * processes: only the database can make them agree. The clock and mailbox are the test's,
 * shared so a test can step time and read mail once for every instance.
 */
export function anotherInstanceOf(site: TestSite): SiteInstance {
  const db = openDatabase(site.database.url);
  const { app, mfa } = buildTestApp({ db }, { now: site.clock.now, mail: site.mail, logs: site.logs, mailOutage: site.mailOutage, secrets: site.secrets });
  return {
    app,
    mfa,
    db,
    browser: () => browserOn(app),
    async close() {
      await mfa.notifications.settled();
      await db.destroy();
    },
  };
}

/**
 * Makes the next `count` verifications of `factorId`, on any of `plugins`, wait for one
 * another at the factor (after each engine loaded its attempt), so requests sent to
 * different instances meet where a race would instead of running one after the other.
 * Gives up waiting after 5 s (a call that never comes must not hang the suite). Returns a
 * release that stops holding and says how many arrived.
 */
export function meetAtFactor(plugins: MfaPlugin[], factorId: string, count: number): () => number {
  let arrived = 0;
  let open!: () => void;
  const together = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 5_000).unref();
  });
  const restores = plugins.map((plugin) => {
    const registry = plugin.registry;
    const provider = registry.provider.bind(registry);
    registry.provider = (factory, settings) => {
      const made = provider(factory, settings);
      const verify = made.verify?.bind(made);
      if (factory.id !== factorId || !verify) return made;
      made.verify = async (attempt, user, input) => {
        if (++arrived >= count) open();
        await together;
        return verify(attempt, user, input);
      };
      return made;
    };
    return () => {
      registry.provider = provider;
    };
  });
  return () => {
    restores.forEach((restore) => restore());
    open();
    return arrived;
  };
}
