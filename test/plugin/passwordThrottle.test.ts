import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { purgeExpired } from '../../plugin/admin/purgeExpired.ts';
import { clearPasswordThrottle } from '../../plugin/admin/clearPasswordThrottle.ts';
import type { PasswordCheck } from '../../plugin/engine/passwordLogins.ts';
import { addressNetwork } from '../../plugin/net/addressNetwork.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';

const MINUTE = 60_000;
const RIGHT = 'correct horse battery';

describe('addressNetwork', () => {
  it('counts an IPv4 address alone and an IPv6 address by its /64', () => {
    assert.equal(addressNetwork('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(addressNetwork('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressNetwork('2001:db8:1:2:ffff:ffff:ffff:fffe'), '2001:db8:1:2::/64');
    assert.equal(addressNetwork('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressNetwork(null), 'unknown');
    assert.equal(addressNetwork('not an address'), 'unknown');
  });
});

for (const kind of databaseKinds) {
  describe(`password-guessing throttle on ${kind}`, () => {
    let t: TestPlugin;
    let compared: number;
    before(async () => {
      t = await createTestPlugin(kind);
      const check = t.host.checkPassword.bind(t.host);
      // Counts the password comparisons the host makes (its password hash, on a real host).
      t.host.checkPassword = async (username, password) => {
        compared++;
        return check(username, password);
      };
    });
    after(() => t.drop());
    beforeEach(async () => {
      compared = 0;
      await t.database.db('mfa_password_guesses').delete();
      await t.mfa.settings.setMany(
        { password_failures_before_delay: 5, password_max_delay_minutes: 60, password_failures_per_account_per_hour: 50, password_failures_per_address_per_hour: 100 },
        'test',
      );
    });

    const guess = (username: string, address: string, password = 'wrong guess'): Promise<PasswordCheck> => t.mfa.passwordLogins.check({ username, password, address });

    it('refuses after the free tries without comparing the password, the right one included, and doubles the wait', async () => {
      t.host.addUser('backoff');
      for (let i = 0; i < 5; i++) assert.equal((await guess('backoff', '203.0.113.1')).outcome, 'wrong');
      assert.equal(compared, 5);
      const refused = await guess('backoff', '203.0.113.1', RIGHT);
      assert.deepEqual(refused, { outcome: 'throttled', scope: 'pair', retryAfterSeconds: 60, message: 'Too many wrong passwords for this account from your address. Try again in 1 minute.' });
      assert.equal(compared, 5, 'a refused guess is never compared');
      t.clock.advance(MINUTE);
      assert.equal((await guess('backoff', '203.0.113.1')).outcome, 'wrong', 'one try after the wait');
      assert.deepEqual(await guess('backoff', '203.0.113.1', RIGHT), { outcome: 'throttled', scope: 'pair', retryAfterSeconds: 120, message: 'Too many wrong passwords for this account from your address. Try again in 2 minutes.' });
      t.clock.advance(MINUTE);
      assert.equal((await guess('backoff', '203.0.113.1', RIGHT)).outcome, 'throttled', 'the second wait is twice the first');
      t.clock.advance(MINUTE);
      assert.equal((await guess('backoff', '203.0.113.1', RIGHT)).outcome, 'passed');
      // A right password starts the count over: five free tries again.
      for (let i = 0; i < 5; i++) assert.equal((await guess('backoff', '203.0.113.1')).outcome, 'wrong');
      assert.equal((await guess('backoff', '203.0.113.1')).outcome, 'throttled');
    });

    it('does not slow the real user at another address, nor another account at the attacker’s', async () => {
      t.host.addUser('victim');
      t.host.addUser('neighbour');
      for (let i = 0; i < 8; i++) await guess('victim', '203.0.113.2');
      assert.equal((await guess('victim', '203.0.113.2', RIGHT)).outcome, 'throttled');
      assert.equal((await guess('victim', '198.51.100.9', RIGHT)).outcome, 'passed');
      assert.equal((await guess('neighbour', '203.0.113.2', RIGHT)).outcome, 'passed');
    });

    it('counts a parallel burst exactly: five compared, every other refused by the wait the fifth set', async () => {
      t.host.addUser('burst');
      const results = await Promise.all(Array.from({ length: 30 }, () => guess('burst', '203.0.113.3')));
      const wrong = results.filter((r) => r.outcome === 'wrong');
      const refused = results.filter((r) => r.outcome === 'throttled');
      assert.equal(wrong.length, 5);
      assert.equal(compared, 5, 'only the five winners reached the password');
      assert.equal(refused.length, 25);
      for (const r of refused) assert.deepEqual(r, { outcome: 'throttled', scope: 'pair', retryAfterSeconds: 60, message: 'Too many wrong passwords for this account from your address. Try again in 1 minute.' });
      const row = await t.database.db('mfa_password_guesses').where({ scope: 'account' }).first('recent_failures');
      assert.equal(JSON.parse(row.recent_failures).length, 5, 'the account ceiling counted the same five');
    });

    it('slides the account ceiling: no second burst at an hour’s edge, and a known address still gets in', async () => {
      await t.mfa.settings.set('password_failures_per_account_per_hour', 10, 'test');
      t.host.addUser('many');
      assert.equal((await guess('many', '198.51.100.50', RIGHT)).outcome, 'passed', 'the user’s own address becomes known');
      const start = t.clock.time;
      for (let i = 0; i < 5; i++) assert.equal((await guess('many', `203.0.113.${10 + i}`)).outcome, 'wrong');
      t.clock.advance(50 * MINUTE);
      for (let i = 0; i < 5; i++) assert.equal((await guess('many', `203.0.113.${20 + i}`)).outcome, 'wrong');
      const full = await guess('many', '203.0.113.30', RIGHT);
      assert.deepEqual(full, {
        outcome: 'throttled',
        scope: 'account',
        retryAfterSeconds: 600,
        message: 'Too many wrong passwords for this account from many addresses. Try again in 10 minutes, or from a place where you have logged in before.',
      });
      assert.equal((await guess('many', '198.51.100.50', RIGHT)).outcome, 'passed', 'the ceiling does not lock the user out of a known address');
      // One hour after the first five, only they have left the window: five tries, not a fresh ten.
      t.clock.time = start + 60 * MINUTE + 1;
      for (let i = 0; i < 5; i++) assert.equal((await guess('many', `203.0.113.${40 + i}`)).outcome, 'wrong');
      const edge = await guess('many', '203.0.113.50');
      assert.equal(edge.outcome, 'throttled');
      assert.equal(edge.outcome === 'throttled' && edge.scope, 'account');
      assert.equal(edge.outcome === 'throttled' && edge.retryAfterSeconds, 50 * 60, 'until the second five are an hour old');
    });

    it('caps one address across accounts (spraying), except for accounts that logged in from it', async () => {
      await t.mfa.settings.set('password_failures_per_address_per_hour', 5, 'test');
      t.host.addUser('regular');
      assert.equal((await guess('regular', '2001:db8:5:5::1', RIGHT)).outcome, 'passed');
      for (let i = 0; i < 5; i++) assert.equal((await guess(`sprayed${i}`, `2001:db8:5:5::${i + 2}`)).outcome, 'wrong');
      const sprayed = await guess('sprayed9', '2001:db8:5:5:ffff::9');
      assert.equal(sprayed.outcome === 'throttled' && sprayed.scope, 'address', 'the /64 is one address');
      assert.equal((await guess('regular', '2001:db8:5:5::77', RIGHT)).outcome, 'passed');
      assert.equal((await guess('sprayed9', '2001:db8:6:6::1')).outcome, 'wrong', 'another /64 is not held back');
    });

    it('is cleared for one account by an admin, and purges what no window counts any more', async () => {
      t.host.addUser('forgetful');
      for (let i = 0; i < 6; i++) await guess('forgetful', '203.0.113.60');
      for (let i = 0; i < 20; i++) await guess(`nobody${i}`, '203.0.113.61');
      assert.equal((await guess('forgetful', '203.0.113.60', RIGHT)).outcome, 'throttled');
      const deps = { db: t.database.db, audit: t.mfa.audit, settings: t.mfa.settings, factors: [], now: t.clock.now };
      assert.equal(await clearPasswordThrottle(deps, { username: 'Forgetful ', userId: null, actor: 'admin' }), 2, 'its pair and its ceiling held failures');
      assert.equal((await guess('forgetful', '203.0.113.60', RIGHT)).outcome, 'passed');
      const rows = async () => Number((await t.database.db('mfa_password_guesses').count({ n: '*' }))[0]?.n);
      // forgetful's pair and account, the two addresses, and a pair and an account per name tried.
      assert.equal(await rows(), 2 + 2 + 20 * 2);
      t.clock.advance(25 * 60 * MINUTE);
      const purged = await purgeExpired(deps, { olderThanDays: 30, actor: 'test' });
      assert.equal(await rows(), 1, 'only the pair that logged in is kept (it stays known for 30 days)');
      assert.equal(purged.passwordGuesses, 43);
      t.clock.advance(30 * 24 * 60 * MINUTE);
      await purgeExpired(deps, { olderThanDays: 30, actor: 'test' });
      assert.equal(await rows(), 0);
    });
  });
}
