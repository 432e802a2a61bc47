import { hashToken, randomToken } from '../../crypto/tokens.ts';
import type { FactorDevice, OwnTables } from '../../spi/factor.ts';
import { TRUSTED_DEVICES_TABLE } from './trustedDeviceMigrations.ts';

export const TRUSTED_DEVICE_FACTOR_ID = 'trusted_device';

/** The cookie a trusted browser keeps its token in. */
export const TRUSTED_DEVICE_COOKIE = 'mfa_trusted_device';

interface Row {
  id: number;
  user_id: string;
  token_hash: string;
  label: string | null;
  created_at: number | string;
  expires_at: number | string;
  last_used_at: number | string | null;
}

/**
 * "Trust this device": a random token in a cookie, only its hash in the database,
 * bound to one user, expiring, revocable from the security page.
 */
export class TrustedDevices {
  constructor(
    private readonly tables: OwnTables,
    private readonly now: () => number,
  ) {}

  private table() {
    return this.tables(TRUSTED_DEVICES_TABLE);
  }

  /** Trusts the browser for `hours`; returns the cookie value (shown to nobody else, stored nowhere in clear). */
  async trust(userId: string, options: { hours: number; label: string | null; ip: string | null; userAgent: string | null }): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken(32);
    const createdAt = this.now();
    const expiresAt = createdAt + options.hours * 3600_000;
    await this.table().insert({
      user_id: userId,
      token_hash: hashToken(token),
      label: options.label?.slice(0, 191) ?? null,
      created_at: createdAt,
      expires_at: expiresAt,
      ip: options.ip,
      user_agent: options.userAgent?.slice(0, 512) ?? null,
    });
    return { token, expiresAt };
  }

  /** Whether `token` is a live trust of this user's; records its use. */
  async isTrusted(userId: string, token: string): Promise<boolean> {
    const now = this.now();
    const row = (await this.table().where({ token_hash: hashToken(token), user_id: userId }).where('expires_at', '>', now).first('id')) as Pick<Row, 'id'> | undefined;
    if (!row) return false;
    await this.table().where({ id: row.id }).update({ last_used_at: now });
    return true;
  }

  async list(userId: string): Promise<FactorDevice[]> {
    const rows: Row[] = await this.table().where({ user_id: userId }).where('expires_at', '>', this.now()).orderBy('id');
    return rows.map((row) => ({
      id: Number(row.id),
      factor: TRUSTED_DEVICE_FACTOR_ID,
      label: row.label ?? 'Browser',
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      expiresAt: Number(row.expires_at),
    }));
  }

  async revoke(userId: string, id: number): Promise<boolean> {
    return (await this.table().where({ id, user_id: userId }).delete()) === 1;
  }

  async revokeAll(userId: string): Promise<number> {
    return this.table().where({ user_id: userId }).delete();
  }
}
