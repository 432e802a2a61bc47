import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import type { KeyedHash } from '../crypto/keyedHash.ts';
import { networkPrefix, signInKeys, sightingOf } from './knownSignIns.ts';

/** What `keys rotate` did to mfa_known_sign_ins. */
export interface KnownSignInRekeyReport {
  /** Rows moved from an old key (or the raw key before subkeys) to the current key now. */
  rekeyed: number;
  /** Rows already under the current key. */
  alreadyCurrent: number;
  /** Rows no audited pass accounts for: left as they are (they move on their user's next sign-in from there, while their key is configured). */
  unmatched: number;
}

interface KnownSignInRow {
  user_id: string;
  sign_in_key: string;
  first_seen_at: number | string;
  last_seen_at: number | string;
}

/**
 * Moves every known sign-in to the current key, for `mfa-bridge keys rotate`, so the old
 * key can be dropped without mailing every user about a "new sign-in" from their own desk.
 *
 * A row is only a keyed hash of the browser family and network (knownSignIns.ts), which
 * nothing can re-hash by itself. But each row was made from an audited MFA pass
 * (`mfa_passed` keeps the browser family and the address), so the audit log says what each
 * hash was made of: every pass is hashed under every accepted key, and a row found under an
 * old one moves to the current one, in one transaction, as a sign-in moves it
 * (`KnownSignIns.remember`). A login doing the same meanwhile is harmless: both insert the
 * current row if missing and delete the old one.
 */
export async function rekeyKnownSignIns(db: Knex, audit: AuditLog, hash: KeyedHash): Promise<KnownSignInRekeyReport> {
  const table = () => db<KnownSignInRow>('mfa_known_sign_ins');
  /** The digests of each place, `[current, ...older]`: one HMAC per key per place, however many passes came from it. */
  const digestsOf = new Map<string, string[]>();
  const moved = new Set<string>();
  const current = new Set<string>();
  for await (const passes of audit.pages('mfa_passed')) {
    /** Any digest of a place passed from in this page → that place's current digest. */
    const currentFor = new Map<string, string>();
    const users = new Set<string>();
    for (const pass of passes) {
      const sighting = sightingOf(pass);
      if (!pass.userId || !sighting) continue;
      users.add(pass.userId);
      const place = `${sighting.browser}\0${networkPrefix(sighting.ip)}`;
      let digests = digestsOf.get(place);
      if (!digests) {
        digests = signInKeys(hash, sighting);
        digestsOf.set(place, digests);
      }
      for (const digest of digests) currentFor.set(digest, digests[0] ?? digest);
    }
    if (users.size === 0) continue;
    // The digest does not depend on the user: a row of any of these users under one of these
    // digests is that user's sighting of that place.
    const rows = await table().whereIn('user_id', [...users]).whereIn('sign_in_key', [...currentFor.keys()]).select('user_id', 'sign_in_key', 'first_seen_at', 'last_seen_at');
    for (const row of rows) {
      const to = currentFor.get(row.sign_in_key) ?? row.sign_in_key;
      const name = `${row.user_id}\0${to}`;
      if (to === row.sign_in_key) {
        current.add(name);
        continue;
      }
      await db.transaction(async (trx) => {
        await trx('mfa_known_sign_ins').insert({ user_id: row.user_id, sign_in_key: to, first_seen_at: row.first_seen_at, last_seen_at: row.last_seen_at }).onConflict(['user_id', 'sign_in_key']).ignore();
        await trx('mfa_known_sign_ins').where({ user_id: row.user_id, sign_in_key: row.sign_in_key }).delete();
      });
      moved.add(name);
    }
  }
  const alreadyCurrent = [...current].filter((name) => !moved.has(name)).length;
  const total = Number((await table().count({ n: '*' }).first())?.n ?? 0);
  return { rekeyed: moved.size, alreadyCurrent, unmatched: Math.max(0, total - moved.size - alreadyCurrent) };
}
