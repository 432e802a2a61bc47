import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { keyedHash } from '../../plugin/crypto/keyedHash.ts';
import { KeyRing } from '../../plugin/crypto/keyRing.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { KnownSignIns, networkPrefix, rekeyKnownSignIns, signInKey, signInKeys } from '../../plugin/notifications/index.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
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
    const key = keyedHash(new KeyRing(randomBytes(32)), 'known-sign-in');
    const home = signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.100.10' });
    assert.equal(signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.100.200' }), home);
    assert.notEqual(signInKey(key, { browser: 'Firefox on Linux', ip: '198.51.101.10' }), home);
    assert.notEqual(signInKey(key, { browser: 'Chrome on Linux', ip: '198.51.100.10' }), home);
    assert.notEqual(signInKey(keyedHash(new KeyRing(randomBytes(32)), 'known-sign-in'), { browser: 'Firefox on Linux', ip: '198.51.100.10' }), home, 'keyed with the server key');
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

    it('still knows a sign-in stored before subkeys, or under a rotated key, and moves it to the current key', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migratePlugin(t.db);
        const [before, between, after] = [randomBytes(32), randomBytes(32), randomBytes(32)];
        const sighting = { browser: 'Firefox on Linux', ip: '198.51.100.10' };
        const known = new KnownSignIns(t.db, new TestClock().now);
        // What the version before subkeys stored: HMAC under the raw MFA_SECRET_KEY.
        const legacy = createHmac('sha256', before).update('known-sign-in\0').update(sighting.browser).update('\0').update('198.51.100.0/24').digest('hex');
        assert.equal(await known.remember('1', legacy), 'first_ever');
        const upgraded = keyedHash(new KeyRing(between, [before]), 'known-sign-in');
        assert.equal(await known.remember('1', signInKeys(upgraded, sighting)), 'known', 'the raw key still recognises it');
        const rotated = keyedHash(new KeyRing(after, [between]), 'known-sign-in');
        assert.equal(await known.remember('1', signInKeys(rotated, sighting)), 'known', 'the old subkey still recognises it');
        const rows = await t.db('mfa_known_sign_ins').where({ user_id: '1' }).select('sign_in_key');
        assert.deepEqual(rows.map((row: { sign_in_key: string }) => row.sign_in_key), [signInKey(rotated, sighting)], 'one row, under the current key');
        const alone = keyedHash(new KeyRing(after), 'known-sign-in');
        assert.equal(await known.remember('1', signInKeys(alone, sighting)), 'known', 'known once the old keys are dropped');
        const other = keyedHash(new KeyRing(randomBytes(32)), 'known-sign-in');
        assert.equal(await known.remember('1', signInKeys(other, sighting)), 'new', 'under an unrelated key it is not known');
      } finally {
        await t.drop();
      }
    });

    it('re-keys (keys rotate) every row an audited pass accounts for, from before subkeys or under an old key, and counts the rest', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migratePlugin(t.db);
        const [before, between, after] = [randomBytes(32), randomBytes(32), randomBytes(32)];
        const home = { browser: 'Firefox on Linux', ip: '198.51.100.10' };
        const office = { browser: 'Chrome on Windows', ip: '2001:db8:1:2::5' };
        const audit = new AuditLog(t.db);
        const pass = (userId: string, place: { browser: string; ip: string }) => audit.record({ event: 'mfa_passed', userId, ip: place.ip, detail: { factors: ['totp'], browser: place.browser } });
        await pass('1', home);
        await pass('1', { ...home, ip: '198.51.100.99' }); // the same place again
        await pass('1', office);
        await pass('2', office);
        await audit.record({ event: 'mfa_passed', userId: '3', ip: '192.0.2.1', detail: { factors: [] } }); // no factor: nothing remembered
        const known = new KnownSignIns(t.db, new TestClock().now);
        const legacy = createHmac('sha256', before).update('known-sign-in\0').update(home.browser).update('\0').update('198.51.100.0/24').digest('hex');
        await known.remember('1', legacy);
        await known.remember('1', signInKey(keyedHash(new KeyRing(between), 'known-sign-in'), office));
        await known.remember('2', signInKey(keyedHash(new KeyRing(after), 'known-sign-in'), office));
        await known.remember('4', 'f'.repeat(64)); // no audited pass behind it (say, the log was pruned)

        const rotated = keyedHash(new KeyRing(after, [between, before]), 'known-sign-in');
        assert.deepEqual(await rekeyKnownSignIns(t.db, audit, rotated), { rekeyed: 2, alreadyCurrent: 1, unmatched: 1 });
        const rows = await t.db('mfa_known_sign_ins').orderBy(['user_id', 'sign_in_key']).select('user_id', 'sign_in_key');
        const current = keyedHash(new KeyRing(after), 'known-sign-in');
        const expected = [
          { user_id: '1', sign_in_key: signInKey(current, home) },
          { user_id: '1', sign_in_key: signInKey(current, office) },
          { user_id: '2', sign_in_key: signInKey(current, office) },
          { user_id: '4', sign_in_key: 'f'.repeat(64) },
        ].sort((a, b) => a.user_id.localeCompare(b.user_id) || a.sign_in_key.localeCompare(b.sign_in_key));
        assert.deepEqual(rows.map((row: { user_id: string; sign_in_key: string }) => ({ ...row })), expected);
        assert.equal(await known.remember('1', signInKeys(current, home)), 'known', 'known under the new key alone');
        assert.deepEqual(await rekeyKnownSignIns(t.db, audit, rotated), { rekeyed: 0, alreadyCurrent: 3, unmatched: 1 }, 'a second run only counts');
      } finally {
        await t.drop();
      }
    });
  });
}
