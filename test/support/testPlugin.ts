import { randomBytes } from 'node:crypto';
import { createMfaPlugin, type MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { MemoryHost } from './memoryHost.ts';

/** A movable clock: tests step time instead of sleeping. */
export class TestClock {
  constructor(public time = Date.UTC(2026, 10, 23, 9, 0, 0)) {}
  readonly now = () => this.time;
  advance(ms: number) {
    this.time += ms;
  }
}

export interface TestPlugin {
  database: TestDatabase;
  host: MemoryHost;
  clock: TestClock;
  mfa: MfaPlugin;
  secretKey: Buffer;
  drop(): Promise<void>;
}

export async function createTestPlugin(kind: 'sqlite' | 'mysql'): Promise<TestPlugin> {
  const database = await createTestDatabase(kind);
  await migratePlugin(database.db);
  const host = new MemoryHost();
  const clock = new TestClock();
  const secretKey = randomBytes(32);
  const mfa = createMfaPlugin({ db: database.db, host, secretKey, now: clock.now });
  return {
    database,
    host,
    clock,
    mfa,
    secretKey,
    async drop() {
      await mfa.notifications.settled();
      await database.drop();
    },
  };
}
