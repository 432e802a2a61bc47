import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { Knex } from 'knex';
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

/**
 * What makes a sign-in "seen before": the browser family and system ("Firefox on
 * Linux", never the version, which changes with each update) and the network prefix.
 * Hashed with the server key (HMAC), so the table holds no address and a leaked table
 * cannot be checked against guessed networks without the key.
 */
export function signInKey(serverKey: Buffer, sighting: { browser: string; ip: string | null }): string {
  return createHmac('sha256', serverKey).update('known-sign-in\0').update(sighting.browser).update('\0').update(networkPrefix(sighting.ip)).digest('hex');
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
  async remember(userId: string, key: string): Promise<SignInNovelty> {
    const now = this.now();
    const table = () => this.db('mfa_known_sign_ins');
    // Read, then touch: MySQL counts only rows an UPDATE changed, so its count cannot say "seen" when the time is the same.
    if (await table().where({ user_id: userId, sign_in_key: key }).first('sign_in_key')) {
      await table().where({ user_id: userId, sign_in_key: key }).update({ last_seen_at: now });
      return 'known';
    }
    const seenBefore = await table().where({ user_id: userId }).first('sign_in_key');
    await table().insert({ user_id: userId, sign_in_key: key, first_seen_at: now, last_seen_at: now }).onConflict(['user_id', 'sign_in_key']).ignore();
    return seenBefore ? 'new' : 'first_ever';
  }
}
