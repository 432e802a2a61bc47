import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { hashToken } from '../crypto/tokens.ts';
import { newBearerToken } from './bearerToken.ts';
import type { IdentityTokenRequest } from './identityTokenInput.ts';

/** An identity token as its owner and admins see it: never the token itself. */
export interface IdentityTokenRecord {
  id: number;
  userId: string;
  name: string;
  scope: string[];
  createdAt: number;
  createdFromIp: string | null;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

/** Who a presented identity token speaks for. */
export interface IdentityTokenCaller {
  tokenId: number;
  userId: string;
  scope: string[];
}

interface Row {
  id: number;
  user_id: string;
  token_hash: string;
  name: string;
  scope: string;
  created_at: number | string;
  created_from_ip: string | null;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  last_used_ip: string | null;
  revoked_at: number | string | null;
}

const toNumber = (value: number | string | null) => (value === null ? null : Number(value));
const toScope = (value: string) => (value === '' ? [] : value.split(' '));

function toRecord(row: Row): IdentityTokenRecord {
  return {
    id: Number(row.id),
    userId: row.user_id,
    name: row.name,
    scope: toScope(row.scope),
    createdAt: Number(row.created_at),
    createdFromIp: row.created_from_ip,
    expiresAt: toNumber(row.expires_at),
    lastUsedAt: toNumber(row.last_used_at),
    lastUsedIp: row.last_used_ip,
  };
}

/** "Last used" is kept to the minute: a sync client calling every second should not write every second. */
const LAST_USE_RESOLUTION_MS = 60_000;
/** An `identity_token_used` audit row at most hourly per token, so the log stays readable for busy scripts. */
const USE_AUDIT_INTERVAL_MS = 3600_000;

/**
 * Secure identity tokens (Mediaflux's name) for unattended clients: made by a user
 * who has just passed MFA, used without MFA, scoped, optionally expiring, revocable.
 * Only the SHA-256 of a token is stored; every use reads the row, so a revocation
 * stops the very next request.
 */
export class IdentityTokens {
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  /** Makes a token; the clear text is returned this once and never again. */
  async create(userId: string, request: IdentityTokenRequest, context: { ip: string | null; door: string }): Promise<{ token: string; record: IdentityTokenRecord }> {
    const token = newBearerToken('identityToken');
    const createdAt = this.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = await trx('mfa_identity_tokens').insert({
        user_id: userId,
        name: request.name,
        token_hash: hashToken(token),
        scope: request.scope.join(' '),
        created_at: createdAt,
        created_from_ip: context.ip,
        expires_at: request.expiresAt,
      });
      const tokenId = Number(inserted);
      await this.audit.record(
        { event: 'identity_token_created', userId, door: context.door, ip: context.ip, detail: { tokenId, name: request.name, scope: request.scope, expiresAt: request.expiresAt } },
        trx,
      );
      return tokenId;
    });
    const record: IdentityTokenRecord = { id, userId, name: request.name, scope: request.scope, createdAt, createdFromIp: context.ip, expiresAt: request.expiresAt, lastUsedAt: null, lastUsedIp: null };
    return { token, record };
  }

  /** The user's tokens that still work (not revoked, not expired), newest first. */
  async list(userId: string): Promise<IdentityTokenRecord[]> {
    const rows = await this.db<Row>('mfa_identity_tokens')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', this.now()))
      .orderBy('id', 'desc');
    return rows.map(toRecord);
  }

  /** The caller behind `token` when it is live; records the use (to the minute) and audits it (hourly). */
  async authenticate(token: string, ip: string | null): Promise<IdentityTokenCaller | null> {
    const now = this.now();
    const row = await this.db<Row>('mfa_identity_tokens')
      .where({ token_hash: hashToken(token) })
      .whereNull('revoked_at')
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .first();
    if (!row) return null;
    const lastUsedAt = toNumber(row.last_used_at);
    if (lastUsedAt === null || now - lastUsedAt >= LAST_USE_RESOLUTION_MS || row.last_used_ip !== ip) {
      await this.db('mfa_identity_tokens').where({ id: row.id }).update({ last_used_at: now, last_used_ip: ip });
    }
    if (lastUsedAt === null || now - lastUsedAt >= USE_AUDIT_INTERVAL_MS) {
      await this.audit.record({ event: 'identity_token_used', userId: row.user_id, door: 'api', ip, detail: { tokenId: Number(row.id), name: row.name } });
    }
    return { tokenId: Number(row.id), userId: row.user_id, scope: toScope(row.scope) };
  }

  /** Revokes every live token of `userId` (an admin reset); the caller records why. Returns how many. */
  async revokeAll(userId: string, trx?: Knex.Transaction): Promise<number> {
    return (trx ?? this.db)('mfa_identity_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: this.now() });
  }

  /**
   * Revokes one of `userId`'s tokens at once; false when it is not theirs, or already gone.
   * `actor` is who did it (the user, or an admin's name), for the audit row.
   */
  async revoke(userId: string, tokenId: number, context: { actor: string; ip: string | null; door: string }): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const changed = await trx('mfa_identity_tokens').where({ id: tokenId, user_id: userId }).whereNull('revoked_at').update({ revoked_at: this.now() });
      if (changed === 0) return false;
      await this.audit.record({ event: 'identity_token_revoked', userId, actor: context.actor, door: context.door, ip: context.ip, detail: { tokenId } }, trx);
      return true;
    });
  }
}
