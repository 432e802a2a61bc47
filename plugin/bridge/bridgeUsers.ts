import type { Knex } from 'knex';
import { MfaError } from '../errors.ts';
import type { HostUser } from '../spi/host.ts';

/** What a platform says of its user on each call. */
export interface PlatformUser {
  platform: string;
  /** The platform's own, stable id of the user (Keycloak's user id). */
  userId: string;
  username: string;
  email: string;
  /** Whether the platform checked that the user owns `email` (Keycloak's emailVerified). */
  emailVerified: boolean;
}

/** A bridge user: the host's view, plus the platform they came from. */
export interface BridgeUser extends HostUser {
  platform: string;
  platformUserId: string;
  /** The site's user they were matched to (a client whose users are the site's), else null. */
  siteUserId: string | null;
}

interface UserRow {
  id: number;
  platform: string;
  platform_user_id: string;
  username: string;
  email: string;
  site_user_id: string | null;
}

/** Plugin user ids of bridge users: never a number, so never an LMS user's id. */
export const BRIDGE_USER_ID_PREFIX = 'bridge-';

function toUser(row: UserRow): BridgeUser {
  return { id: `${BRIDGE_USER_ID_PREFIX}${row.id}`, username: row.username, email: row.email, suspended: false, isAdmin: false, platform: row.platform, platformUserId: row.platform_user_id, siteUserId: row.site_user_id ?? null };
}

/**
 * The users of platforms that call the bridge, each mapped to a plugin user id on first
 * sight, per (platform, user id), so the engine keeps their factors, lockout and audit as
 * it does the LMS's. Username and email follow what the platform last said.
 */
export class BridgeUsers {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  /**
   * The user, made on first sight and brought up to date otherwise. `siteUserId` is the
   * site's user they are matched to now (null: none), kept for calls that name only the
   * platform's id.
   */
  async provision(user: PlatformUser, siteUserId: string | null = null): Promise<BridgeUser> {
    const key = { platform: user.platform, platform_user_id: user.userId };
    const existing = await this.db<UserRow>('mfa_bridge_users').where(key).first();
    const now = this.now();
    const facts = { username: user.username, email: user.email, site_user_id: siteUserId };
    if (existing) {
      if (existing.username !== user.username || existing.email !== user.email || (existing.site_user_id ?? null) !== siteUserId) {
        await this.db('mfa_bridge_users').where({ id: existing.id }).update({ ...facts, updated_at: now });
      }
      return toUser({ ...existing, ...facts });
    }
    try {
      await this.db('mfa_bridge_users').insert({ ...key, ...facts, created_at: now, updated_at: now });
    } catch (error) {
      // Two first calls at once: the unique key lets one insert; the other reads its row.
      const found = await this.db<UserRow>('mfa_bridge_users').where(key).first();
      if (!found) throw error;
    }
    const row = await this.db<UserRow>('mfa_bridge_users').where(key).first();
    if (!row) throw new MfaError('NOT_FOUND', 'The user could not be provisioned.');
    return toUser(row);
  }

  /** A known platform user, without making one. */
  async findByPlatformId(platform: string, userId: string): Promise<BridgeUser | null> {
    const row = await this.db<UserRow>('mfa_bridge_users').where({ platform, platform_user_id: userId }).first();
    return row ? toUser(row) : null;
  }

  async findById(id: string): Promise<BridgeUser | null> {
    if (!id.startsWith(BRIDGE_USER_ID_PREFIX)) return null;
    const number = Number(id.slice(BRIDGE_USER_ID_PREFIX.length));
    if (!Number.isSafeInteger(number) || number <= 0) return null;
    const row = await this.db<UserRow>('mfa_bridge_users').where({ id: number }).first();
    return row ? toUser(row) : null;
  }

  /** `<platform>:<username>` (`keycloak:ada`), the name admins give the CLI for a bridge user. */
  async findByQualifiedName(name: string): Promise<BridgeUser | null> {
    const cut = name.indexOf(':');
    if (cut <= 0) return null;
    const row = await this.db<UserRow>('mfa_bridge_users').where({ platform: name.slice(0, cut), username: name.slice(cut + 1) }).orderBy('id', 'asc').first();
    return row ? toUser(row) : null;
  }
}
