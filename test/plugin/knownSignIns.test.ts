import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KnownSignIns, networkPrefix, signInKey } from '../../plugin/notifications/index.ts';
import { migratePlugin } from '../../plugin/store/migratePlugin.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';
import { TestClock } from '../support/testPlugin.ts';

describe('what makes a sign-in "seen before"', () => {
  it('keeps an IPv4 /24 and an IPv6 /64, however the address is written', () => {
    assert.equal(networkPrefix('192.0.2.77'), '192.0.2.0/24');
    assert.equal(networkPrefix('::ffff:192.0.2.77'), '192.0.2.0/24');
    assert.equal(networkPrefix('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(networkPrefix('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
    assert.equal(networkPrefix('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(networkPrefix(null), 'unknown');
    assert.equal(networkPrefix('not an address'), 'unknown');
  });

  it('is the same for a new address in the same network and differs for another network or browser', () => {
    const key = randomBytes(32);
    const home = signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.100.10' });
    assert.equal(signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.100.200' }), home);
    assert.notEqual(signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.101.10' }), home);
    assert.notEqual(signInKey(key, { browser: 'Chrome on Linux', ip: '198.51.100.10' }), home);
    assert.notEqual(signInKey(randomBytes(32), { browser: 'Firefox on Linux', ip: '198.51.100.10' }), home, 'keyed with the server key');
    assert.match(home, /^[0-9a-f]{64}$/);
  });
});

for (const kind of databaseKinds) {
  describe(`known sign-ins on ${kind}`, () => {
    it('says first_ever for a user’s first sign-in, known for a repeat, new for another place', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migratePlugin(t.db);
        const clock = new TestClock();
        const known = new KnownSignIns(t.db, clock.now);
        assert.equal(await known.remember('1', 'a'.repeat(64)), 'first_ever');
        assert.equal(await known.remember('1', 'a'.repeat(64)), 'known', 'same time, still known');
        clock.advance(60_000);
        assert.equal(await known.remember('1', 'a'.repeat(64)), 'known');
        assert.equal(await known.remember('1', 'b'.repeat(64)), 'new');
        assert.equal(await known.remember('1', 'b'.repeat(64)), 'known');
        assert.equal(await known.remember('2', 'a'.repeat(64)), 'first_ever', 'another user’s sign-ins are not theirs');
        const row = await t.db('mfa_known_sign_ins').where({ user_id: '1', sign_in_key: 'a'.repeat(64) }).first();
        assert.equal(Number(row.last_seen_at), clock.time);
        assert.equal(Number(row.first_seen_at), clock.time - 60_000);
      } finally {
        await t.drop();
      }
    });
  });
}
