import type { Knex } from 'knex';
import { hashToken } from '../crypto/tokens.ts';
import { newBearerToken } from './bearerToken.ts';

/** Who a presented API session speaks for. */
export interface ApiSessionCaller {
  sessionId: number;
  userId: string;
  /** When this session passed MFA; null when MFA was not enforced as it was made. */
  mfaPassedAt: number | null;
  /** When it was made: after a password, so the time of that login. */
  createdAt: number;
  expiresAt: number;
}

interface Row {
  id: number;
  user_id: string;
  token_hash: string;
  created_at: number | string;
  expires_at: number | string;
  mfa_passed_at: number | string | null;
  last_used_at: number | string | null;
}

const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * Sessions of the JSON API: what `POST /api/v1/session` hands out after the password
 * and, when required, MFA. As with browser sessions, only the holder of the token is
 * the user; only its hash is stored, and logging out or expiry ends it at once.
 */
export class ApiSessions {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  async open(userId: string, options: { hours: number; mfaPassedAt: number | null; ip: string | null }): Promise<{ token: string; expiresAt: number }> {
    const token = newBearerToken('apiSession');
    const createdAt = this.now();
    const expiresAt = createdAt + options.hours * 3600_000;
    await this.db('mfa_api_sessions').insert({
      user_id: userId,
      token_hash: hashToken(token),
      created_at: createdAt,
      expires_at: expiresAt,
      mfa_passed_at: options.mfaPassedAt,
      ip: options.ip,
    });
    return { token, expiresAt };
  }

  async authenticate(token: string): Promise<ApiSessionCaller | null> {
    const now = this.now();
    const row = await this.db<Row>('mfa_api_sessions').where({ token_hash: hashToken(token) }).whereNull('revoked_at').where('expires_at', '>', now).first();
    if (!row) return null;
    const lastUsedAt = row.last_used_at === null ? null : Number(row.last_used_at);
    if (lastUsedAt === null || now - lastUsedAt >= LAST_USE_RESOLUTION_MS) await this.db('mfa_api_sessions').where({ id: row.id }).update({ last_used_at: now });
    return {
      sessionId: Number(row.id),
      userId: row.user_id,
      mfaPassedAt: row.mfa_passed_at === null ? null : Number(row.mfa_passed_at),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  /** Ends the session (logout); false when it had already ended. */
  async close(sessionId: number): Promise<boolean> {
    return (await this.db('mfa_api_sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: this.now() })) > 0;
  }

  /** Ends every API session of a user but `except` (after an admin reset, a suspension, "log out everywhere"). */
  async closeAll(userId: string, options: { except?: number; trx?: Knex.Transaction } = {}): Promise<number> {
    const query = (options.trx ?? this.db)('mfa_api_sessions').where({ user_id: userId }).whereNull('revoked_at');
    if (options.except !== undefined) query.whereNot({ id: options.except });
    return query.update({ revoked_at: this.now() });
  }
}
