import type { Knex } from 'knex';
import { hashToken } from '../plugin/crypto/tokens.ts';
import type { ServiceTokenRecord } from '../plugin/spi/host.ts';

/** What the site's token endpoint (login/token.php) and the app's browser sign-in hand out: Moodle's pair. */
export interface ServiceToken {
  token: string;
  privatetoken: string;
}

interface TokenRow {
  id: number;
  user_id: number;
  service_name: string;
  created_at: number | string;
  last_used_at: number | string | null;
}

/** Resolution of "last used": an app polling every few seconds should not write every few seconds. */
const LAST_USE_RESOLUTION_MS = 60_000;

function live(db: Knex, now: number) {
  return db('lms_external_tokens as t')
    .join('lms_external_services as s', 's.id', 't.service_id')
    .whereNull('t.revoked_at')
    .where((q) => q.whereNull('t.valid_until').orWhere('t.valid_until', '>', now));
}

/** The user's live login/token.php tokens, newest first. */
export async function listServiceTokens(db: Knex, userId: string, now: number): Promise<ServiceTokenRecord[]> {
  const rows: TokenRow[] = await live(db, now).where('t.user_id', Number(userId)).orderBy('t.id', 'desc').select('t.id', 't.user_id', 's.name as service_name', 't.created_at', 't.last_used_at');
  return rows.map((row) => ({
    id: String(row.id),
    service: row.service_name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  }));
}

export async function revokeServiceToken(db: Knex, userId: string, id: string, now: number): Promise<boolean> {
  if (!/^\d{1,15}$/.test(id)) return false;
  return (await db('lms_external_tokens').where({ id: Number(id), user_id: Number(userId) }).whereNull('revoked_at').update({ revoked_at: now })) > 0;
}

/** The user id and service behind a live token (Moodle's `wstoken`), recording its use; null when it is not live. */
export async function useServiceToken(db: Knex, token: string, now: number): Promise<{ userId: string; service: string } | null> {
  const row: (TokenRow & { shortname: string }) | undefined = await live(db, now)
    .where('t.token_hash', hashToken(token))
    .where('s.enabled', true)
    .first('t.id', 't.user_id', 's.name as service_name', 's.shortname', 't.created_at', 't.last_used_at');
  if (!row) return null;
  const lastUsedAt = row.last_used_at === null ? null : Number(row.last_used_at);
  if (lastUsedAt === null || now - lastUsedAt >= LAST_USE_RESOLUTION_MS) await db('lms_external_tokens').where({ id: row.id }).update({ last_used_at: now });
  return { userId: String(row.user_id), service: row.shortname };
}
