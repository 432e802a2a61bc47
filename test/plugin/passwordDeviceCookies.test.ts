import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { clearPasswordThrottle } from '../../plugin/admin/clearPasswordThrottle.ts';
import { KeyRing } from '../../plugin/crypto/keyRing.ts';
import { DEVICE_COOKIE_LIFETIME_MS, PasswordDeviceCookies } from '../../plugin/engine/passwordDeviceCookies.ts';
import type { DeviceCookie, PasswordCheck } from '../../plugin/engine/passwordLogins.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, TestClock, type TestPlugin } from '../support/testPlugin.ts';

const RIGHT = 'correct horse battery';
const PAIR_REFUSAL = { outcome: 'throttled', scope: 'pair', retryAfterSeconds: 60, message: 'Too many wrong passwords for this account from your address. Try again in 1 minute.' };

/** A browser's cookie jar holding `cookies`, as a door's `readCookie` sees it. */
const jar = (...cookies: DeviceCookie[]) => (name: string) => cookies.find((c) => c.name === name)?.value;

describe('password device cookie values', () => {
  it('recognises only a cookie it signed, for that user, until it expires, through a key rotation', () => {
    const clock = new TestClock();
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = new PasswordDeviceCookies(new KeyRing(oldKey), clock.now);
    const cookie = before.issue('Ada');
    assert.match(cookie.name, /^mfa_password_device_[A-Za-z0-9_-]{16}$/);
    assert.equal(cookie.maxAgeMs, DEVICE_COOKIE_LIFETIME_MS);
    assert.equal(typeof before.recognise(' ada ', jar(cookie)), 'string', 'the name as the throttle keys it: trimmed, any case');
    assert.equal(before.recognise('grace', jar(cookie)), null, 'another user: not even the same cookie name');
    assert.equal(before.recognise('grace', (name) => (name === before.names('grace')[0] ? cookie.value : undefined)), null, 'ada’s value under grace’s name');
    assert.equal(new PasswordDeviceCookies(new KeyRing(randomBytes(32)), clock.now).recognise('ada', (name) => (name.startsWith('mfa_password_device_') ? cookie.value : undefined)), null, 'another site’s key');
    const rotated = new PasswordDeviceCookies(new KeyRing(newKey, [oldKey]), clock.now);
    assert.deepEqual(rotated.names('ada'), [new PasswordDeviceCookies(new KeyRing(newKey), clock.now).names('ada')[0], cookie.name], 'the new key’s name first, then the old');
    assert.equal(rotated.recognise('ada', jar(cookie)), before.recognise('ada', jar(cookie)), 'set before the rotation, still recognised (same device id)');
    assert.equal(new PasswordDeviceCookies(new KeyRing(newKey), clock.now).recognise('ada', (name) => (name.startsWith('mfa_password_device_') ? cookie.value : undefined)), null, 'once the old key is gone, so is the cookie');
    for (const value of ['', 'a.b.c.d', `${cookie.value}.x`, `${cookie.value}0`, 'x'.repeat(5000)]) assert.equal(before.recognise('ada', jar({ ...cookie, value })), null, `not ours: ${value.slice(0, 40)}`);
    clock.advance(DEVICE_COOKIE_LIFETIME_MS - 1);
    assert.notEqual(before.recognise('ada', jar(cookie)), null);
    clock.advance(1);
    assert.equal(before.recognise('ada', jar(cookie)), null, 'expired after a year');
  });
});

for (const kind of databaseKinds) {
  describe(`password device cookies in the throttle on ${kind}`, () => {
    let t: TestPlugin;
    let compared: number;
    before(async () => {
      t = await createTestPlugin(kind);
      const check = t.host.checkPassword.bind(t.host);
      t.host.checkPassword = async (username, password) => {
        compared++;
        return check(username, password);
      };
    });
    after(() => t.drop());
    beforeEach(async () => {
      await t.database.db('mfa_password_guesses').delete();
    });

    const guess = (username: string, address: string, password = 'wrong guess', readCookie?: (name: string) => string | undefined): Promise<PasswordCheck> =>
      t.mfa.passwordLogins.check({ username, password, address, readCookie });
    /** Signs in at a cookie door with no cookie yet: the cookie it sets. */
    async function signedInBrowser(username: string, address: string): Promise<DeviceCookie> {
      const passed = await guess(username, address, RIGHT, () => undefined);
      assert.ok(passed.outcome === 'passed' && passed.deviceCookie, 'a right password at a cookie door sets a device cookie');
      return passed.deviceCookie;
    }

    it('sets no device cookie where the door reads none (token.php, Basic)', async () => {
      t.host.addUser('app-user');
      const passed = await guess('app-user', '203.0.113.90', RIGHT);
      assert.equal(passed.outcome, 'passed');
      assert.equal(passed.outcome === 'passed' && passed.deviceCookie, undefined);
    });

    it('counts a parallel burst through one device cookie exactly: ten on the cookie, then five at the address, the rest refused by its wait', async () => {
      t.host.addUser('device-burst');
      const cookie = await signedInBrowser('device-burst', '198.51.100.80');
      compared = 0;
      const results = await Promise.all(Array.from({ length: 30 }, () => guess('device-burst', '203.0.113.80', 'wrong guess', jar(cookie))));
      assert.equal(results.filter((r) => r.outcome === 'wrong').length, 15);
      assert.equal(compared, 15, 'only the winners reached the password');
      const refused = results.filter((r) => r.outcome === 'throttled');
      assert.equal(refused.length, 15);
      for (const r of refused) assert.deepEqual(r, PAIR_REFUSAL, 'each lost to the address’s wait once the cookie had its ten, not to an error');
      const rows = await t.database.db('mfa_password_guesses').select('scope', 'failures', 'recent_failures');
      const row = (scope: string) => rows.find((r) => r.scope === scope);
      assert.equal(JSON.parse(row('device').recent_failures).length, 10, 'the cookie counted its ten');
      const pairs = rows.filter((r) => r.scope === 'pair').map((r) => Number(r.failures)).sort();
      assert.deepEqual(pairs, [0, 5], 'the address the owner signed in from has none; the burst’s counted only what came after the cookie’s ten');
      assert.equal(JSON.parse(row('account').recent_failures).length, 5, 'and so did the account’s ceiling');
    });

    it('leaves the address’s wait as it was when the owner signs in through a cookie, and makes the address known to cookieless doors', async () => {
      await t.mfa.settings.set('password_failures_per_account_per_hour', 5, 'test');
      try {
        t.host.addUser('shared-nat');
        const cookie = await signedInBrowser('shared-nat', '198.51.100.81');
        for (let i = 0; i < 5; i++) assert.equal((await guess('shared-nat', '203.0.113.81')).outcome, 'wrong');
        assert.equal((await guess('shared-nat', '203.0.113.81', RIGHT, jar(cookie))).outcome, 'passed');
        assert.deepEqual(await guess('shared-nat', '203.0.113.81'), PAIR_REFUSAL, 'the attacker beside the owner still waits');
        t.clock.advance(60_000);
        // The account's ceiling is full (five from .81); the owner's app at .81 is now at a known address.
        assert.equal((await guess('shared-nat', '203.0.113.82', RIGHT)).outcome, 'throttled');
        assert.equal((await guess('shared-nat', '203.0.113.81', RIGHT)).outcome, 'passed');
      } finally {
        await t.mfa.settings.set('password_failures_per_account_per_hour', 50, 'test');
      }
    });

    it('gives a locked cookie its exemption back when an admin clears the account', async () => {
      t.host.addUser('cleared-device');
      const cookie = await signedInBrowser('cleared-device', '198.51.100.83');
      for (let i = 0; i < 10; i++) assert.equal((await guess('cleared-device', '203.0.113.83', 'wrong guess', jar(cookie))).outcome, 'wrong');
      for (let i = 0; i < 6; i++) await guess('cleared-device', '203.0.113.83');
      assert.deepEqual(await guess('cleared-device', '203.0.113.83', RIGHT, jar(cookie)), PAIR_REFUSAL, 'locked, it waits with the address');
      const deps = { db: t.database.db, audit: t.mfa.audit, settings: t.mfa.settings, factors: [], now: t.clock.now };
      assert.equal(await clearPasswordThrottle(deps, { username: 'cleared-device', userId: null, actor: 'admin' }), 3, 'the pair, the ceiling and the cookie');
      for (let i = 0; i < 6; i++) await guess('cleared-device', '203.0.113.83');
      assert.equal((await guess('cleared-device', '203.0.113.83', RIGHT, jar(cookie))).outcome, 'passed');
    });
  });
}
