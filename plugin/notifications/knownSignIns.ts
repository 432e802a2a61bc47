import { isIP } from 'node:net';
import type { Knex } from 'knex';
import type { AuditRecord } from '../audit/auditLog.ts';
import type { KeyedHash } from '../crypto/keyedHash.ts';
import { normaliseIp } from '../net/cidr.ts';

/**
 * The network part of an address: IPv4 /24, IPv6 /64. A home or office keeps its
 * prefix while the last part changes (DHCP, IPv6 privacy addresses rotate daily), so
 * comparing whole addresses would mail the user about their own desk every few days;
 * a prefix changes when they are really somewhere else.
 */
export function networkPrefix(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const address = normaliseIp(ip);
  const version = isIP(address);
  if (version === 4) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (version === 6) return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in, lower case without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 not caught above, 64:ff9b::1.2.3.4) counts as two groups; only the first four matter here.
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => (/^[0-9a-f]+$/.test(group) ? String(parseInt(group, 16).toString(16)) : group));
}

export interface Sighting {
  browser: string;
  ip: string | null;
}

/**
 * Where an audited MFA pass (`mfa_passed`) came from, as the "new sign-in" mail compares it;
 * null for a pass with no factor (nothing set up yet), which is no MFA sign-in to remember.
 */
export function sightingOf(record: Pick<AuditRecord, 'detail' | 'ip'>): Sighting | null {
  const detail = record.detail ?? {};
  if (!Array.isArray(detail.factors) || detail.factors.length === 0) return null;
  return { browser: typeof detail.browser === 'string' ? detail.browser : 'Browser', ip: record.ip ?? null };
}

/**
 * What makes a sign-in "seen before": the browser family and system ("Firefox on
 * Linux", never the version, which changes with each update) and the network prefix.
 * Hashed with the `known-sign-in` subkey (HMAC), so the table holds no address and a
 * leaked table cannot be checked against guessed networks without the key.
 */
export function signInKey(hash: KeyedHash, sighting: Sighting): string {
  return signInKeys(hash, sighting)[0] ?? '';
}

/**
 * The keys this sighting may be stored under: the current key's first, then those of old
 * keys and of the raw key used before subkeys. The column is looked up by equality and
 * has no room for a key id, so each is tried; `remember` moves a match to the first.
 */
export function signInKeys(hash: KeyedHash, sighting: Sighting): string[] {
  return hash.lookupDigests(['known-sign-in', sighting.browser, networkPrefix(sighting.ip)]);
}

export type SignInNovelty = 'first_ever' | 'known' | 'new';

/** mfa_known_sign_ins: where each user has passed MFA before. */
export class KnownSignIns {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  /**
   * Remembers this sign-in and says whether it was known. `first_ever`: the user had
   * no sign-in on record, so there is nothing to compare with (and no mail to send).
   * Two parallel first sightings may both answer `new`: at worst one mail too many.
   */
  async remember(userId: string, keys: string | readonly string[]): Promise<SignInNovelty> {
    const [key = '', ...older] = typeof keys === 'string' ? [keys] : keys;
    const now = this.now();
    const table = () => this.db('mfa_known_sign_ins');
    // One read for the current key and the older ones. Read, then touch: MySQL counts only
    // rows an UPDATE changed, so its count cannot say "seen" when the time is the same.
    const seen: Array<{ sign_in_key: string; first_seen_at: number | string }> = await table().where({ user_id: userId }).whereIn('sign_in_key', [key, ...older]).select('sign_in_key', 'first_seen_at');
    if (seen.some((row) => row.sign_in_key === key)) {
      await table().where({ user_id: userId, sign_in_key: key }).update({ last_seen_at: now });
      return 'known';
    }
    const underOldKey = seen.find((row) => older.includes(row.sign_in_key));
    if (underOldKey) {
      // Seen before, under a key since rotated (or before subkeys): keep it under the current key, so it survives the old key's removal.
      await this.db.transaction(async (trx) => {
        await trx('mfa_known_sign_ins').insert({ user_id: userId, sign_in_key: key, first_seen_at: underOldKey.first_seen_at, last_seen_at: now }).onConflict(['user_id', 'sign_in_key']).ignore();
        await trx('mfa_known_sign_ins').where({ user_id: userId, sign_in_key: underOldKey.sign_in_key }).delete();
      });
      return 'known';
    }
    const seenBefore = await table().where({ user_id: userId }).first('sign_in_key');
    await table().insert({ user_id: userId, sign_in_key: key, first_seen_at: now, last_seen_at: now }).onConflict(['user_id', 'sign_in_key']).ignore();
    return seenBefore ? 'new' : 'first_ever';
  }
}
