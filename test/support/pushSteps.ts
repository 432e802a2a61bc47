import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createMfaPlugin, type MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { PushChallenge, PushSetup } from '../../plugin/factors/push/index.ts';
import type { FactorContext } from '../../plugin/spi/factor.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { MemoryHost } from './memoryHost.ts';
import { SoftPhone } from './pushPhone.ts';
import { pushContext } from './pushSite.ts';
import { TestClock } from './testPlugin.ts';

export const LAPTOP = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' };

export interface PushTestPlugin {
  database: TestDatabase;
  host: MemoryHost;
  clock: TestClock;
  mfa: MfaPlugin;
  /** The push factor's context as its routes get it. */
  context(): Promise<FactorContext>;
  drop(): Promise<void>;
}

/** The plugin with push approval on, over a fresh database of `kind`. */
export async function createPushTestPlugin(kind: 'sqlite' | 'mysql'): Promise<PushTestPlugin> {
  const database = await createTestDatabase(kind);
  await migratePlugin(database.db);
  const host = new MemoryHost();
  const clock = new TestClock();
  const mfa = createMfaPlugin({ db: database.db, host, secretKey: randomBytes(32), now: clock.now });
  await mfa.settings.set('factor.push.enabled', true, 'test');
  return {
    database,
    host,
    clock,
    mfa,
    context: () => pushContext(mfa),
    async drop() {
      await mfa.notifications.settled();
      await database.drop();
    },
  };
}

/** "Pair a phone" on the security page, the phone opens the link, the owner types the code it shows: the phone counts at login. */
export async function pairPhone(t: PushTestPlugin, user: HostUser, phone = new SoftPhone()): Promise<SoftPhone> {
  const setup = (await t.mfa.enrolment.beginSetup(user, 'push', { label: phone.name })) as PushSetup;
  assert.ok(setup.pairingUrl, 'a new pairing has its link');
  const paired = await phone.pair(await t.context(), setup.pairingUrl);
  assert.equal(paired.status, 200, JSON.stringify(paired.json));
  await t.mfa.enrolment.confirmSetup(user, 'push', { setupId: String(setup.setupId), code: phone.pairingCode }, { actor: user.username, ip: null });
  return phone;
}

/** A login waiting at the second factor, from the laptop. */
export async function pendingLogin(t: PushTestPlugin, user: HostUser): Promise<string> {
  const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts: LAPTOP });
  assert.notEqual(opened.outcome, 'not_required');
  assert.ok('attempt' in opened);
  return opened.attempt.id;
}

/** "Approve on my phone" on the login page. */
export async function askPhone(t: PushTestPlugin, attemptId: string): Promise<PushChallenge> {
  return (await t.mfa.engine.challenge(attemptId, 'push', {})) as PushChallenge;
}

/** A user with a paired phone, a login waiting, and its push sent: what the phone shows of it. */
export async function loginAskingPhone(t: PushTestPlugin, username: string) {
  const user = t.host.addUser(username);
  const phone = await pairPhone(t, user);
  const attemptId = await pendingLogin(t, user);
  const challenge = await askPhone(t, attemptId);
  const [push] = await phone.pending(await t.context());
  assert.ok(push, 'the phone shows the request');
  return { user, phone, attemptId, challenge, push };
}
