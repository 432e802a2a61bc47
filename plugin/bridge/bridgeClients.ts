import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import type { SecretBox } from '../crypto/secretBox.ts';
import { randomToken } from '../crypto/tokens.ts';
import { MfaError } from '../errors.ts';
import { isTokenDoorPolicy, type TokenDoorPolicy } from '../engine/tokenDoorPolicy.ts';
import { signingKeyFromSecret } from './requestSignature.ts';

/**
 * Whose users a platform's are: `platform`, its own (provisioned on first sight); `site`,
 * this site's (matched by username and email), so they share one enrolment and lockout.
 */
export type UserSource = 'platform' | 'site';
export const USER_SOURCES: readonly UserSource[] = ['platform', 'site'];

/** A client as admins see it: never its secret or key. */
export interface BridgeClient {
  clientId: string;
  platform: string;
  userSource: UserSource;
  /** Whether its token door (Keycloak's direct grant) asks MFA always or as the site's app toggle says. */
  tokenDoorPolicy: TokenDoorPolicy;
  createdAt: number;
  createdBy: string | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface ClientRow {
  client_id: string;
  platform: string;
  user_source: string;
  token_door_policy: string;
  sealed_signing_key: string;
  created_at: number | string;
  created_by: string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const PLATFORM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** `mbs_` and 32 random bytes in base64url (43 characters). */
const SECRET_PREFIX = 'mbs_';
/** The last-use time is written at most this often: a busy client does not write on every call. */
const TOUCH_EVERY_MS = 60_000;

const nullableNumber = (value: number | string | null) => (value === null ? null : Number(value));
const userSourceOf = (value: string): UserSource => (value === 'site' ? 'site' : 'platform');
/** Anything but the one looser value stored is the safe one. */
const tokenDoorPolicyOf = (value: string): TokenDoorPolicy => (value === 'follow-site' ? 'follow-site' : 'required');

/** The two policies, in words, for the refusal of anything else (the admin page shows it). */
const TOKEN_DOOR_POLICY_CHOICES = '"required" (MFA at every login through it, whatever the site\'s app setting) or "follow-site" (as the site\'s "Enable MFA for the mobile app" says)';
function requireTokenDoorPolicy(value: unknown): TokenDoorPolicy {
  if (isTokenDoorPolicy(value)) return value;
  throw new MfaError('INVALID_INPUT', `The token door is ${TOKEN_DOOR_POLICY_CHOICES}, not "${String(value)}".`, { field: 'tokenDoorPolicy' });
}

function toClient(row: ClientRow): BridgeClient {
  return {
    clientId: row.client_id,
    platform: row.platform,
    userSource: userSourceOf(row.user_source),
    tokenDoorPolicy: tokenDoorPolicyOf(row.token_door_policy),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: nullableNumber(row.last_used_at),
    revokedAt: nullableNumber(row.revoked_at),
  };
}

/** What a signed request is checked with: the live client's platform and signing key. */
export interface ClientKey {
  clientId: string;
  platform: string;
  userSource: UserSource;
  tokenDoorPolicy: TokenDoorPolicy;
  signingKey: Buffer;
  lastUsedAt: number | null;
}

/**
 * The platforms allowed to call /bridge/v1. A client's secret is shown once when it is
 * made; the server keeps only the signing key derived from it (HMAC needs the key itself,
 * so a hash would not do), sealed by a secret box under its own subkey of MFA_SECRET_KEY
 * and bound to the client id.
 */
export class BridgeClients {
  constructor(
    private readonly db: Knex,
    /** Asked only to seal or open a key: listing and revoking need no MFA_SECRET_KEY (the CLI). */
    private readonly box: () => SecretBox,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  /** Makes a client and returns its secret: the only time anyone sees it. */
  async add(options: { clientId: string; platform: string; userSource?: UserSource; tokenDoorPolicy?: TokenDoorPolicy; actor: string }): Promise<{ client: BridgeClient; secret: string }> {
    const userSource = options.userSource ?? 'platform';
    // Required unless asked otherwise: an operator who made the step REQUIRED gets it, whatever the LMS app's toggle says.
    const tokenDoorPolicy = requireTokenDoorPolicy(options.tokenDoorPolicy ?? 'required');
    if (!CLIENT_ID_PATTERN.test(options.clientId)) {
      throw new MfaError('INVALID_INPUT', 'A client id is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. keycloak-main).', { field: 'clientId' });
    }
    if (!PLATFORM_PATTERN.test(options.platform)) {
      throw new MfaError('INVALID_INPUT', 'A platform is 1 to 64 lowercase letters, digits, dashes or underscores (e.g. keycloak).', { field: 'platform' });
    }
    if (!USER_SOURCES.includes(userSource)) {
      throw new MfaError('INVALID_INPUT', `Users are "platform" (the platform's own) or "site" (this site's, matched by username and email), not "${String(userSource)}".`, { field: 'userSource' });
    }
    const secret = SECRET_PREFIX + randomToken(32);
    const createdAt = this.now();
    const row = {
      client_id: options.clientId,
      platform: options.platform,
      user_source: userSource,
      token_door_policy: tokenDoorPolicy,
      sealed_signing_key: this.box().seal(signingKeyFromSecret(secret).toString('base64'), sealContext(options.clientId)),
      created_at: createdAt,
      created_by: options.actor,
    };
    await this.db.transaction(async (trx) => {
      // Revoked ids stay taken: an audit line naming a client must mean one client. An id that
      // differs only in letter case is taken too, so SQLite (case-sensitive) and MySQL (whose
      // collation folds case) hold the same clients.
      const taken = await trx('mfa_bridge_clients').whereRaw('LOWER(client_id) = ?', [options.clientId.toLowerCase()]).first('client_id');
      if (taken) {
        throw new MfaError('INVALID_INPUT', `There is already a client "${String(taken.client_id)}" (revoked ones keep their id, and ids differing only in letter case are one): choose another id.`, { field: 'clientId' });
      }
      await trx('mfa_bridge_clients').insert(row);
      await this.audit.record({ event: 'bridge_client_added', actor: options.actor, detail: { clientId: options.clientId, platform: options.platform, userSource, tokenDoorPolicy } }, trx);
    });
    return { client: { clientId: options.clientId, platform: options.platform, userSource, tokenDoorPolicy, createdAt, createdBy: options.actor, lastUsedAt: null, revokedAt: null }, secret };
  }

  /** Every client, live and revoked, oldest first. */
  async list(): Promise<BridgeClient[]> {
    const rows = await this.db<ClientRow>('mfa_bridge_clients').select('*').orderBy('created_at', 'asc').orderBy('client_id', 'asc');
    return rows.map(toClient);
  }

  /** Revokes a client at once (its next request is refused); false when there is no live client of that id. */
  async revoke(clientId: string, actor: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      if (!(await liveRow(trx, clientId))) return false;
      const changed = await trx('mfa_bridge_clients').where({ client_id: clientId }).whereNull('revoked_at').update({ revoked_at: this.now() });
      if (changed === 0) return false;
      await this.audit.record({ event: 'bridge_client_revoked', actor, detail: { clientId } }, trx);
      return true;
    });
  }

  /**
   * Sets a live client's token door policy (audited with the old and new value); false when
   * there is no live client of exactly that id. Its next request follows the new policy.
   */
  async setTokenDoorPolicy(clientId: string, policy: unknown, actor: string): Promise<boolean> {
    const tokenDoorPolicy = requireTokenDoorPolicy(policy);
    return this.db.transaction(async (trx) => {
      const row = await liveRow(trx, clientId);
      if (!row) return false;
      const from = tokenDoorPolicyOf(row.token_door_policy);
      if (from === tokenDoorPolicy) return true;
      await trx('mfa_bridge_clients').where({ client_id: clientId }).whereNull('revoked_at').update({ token_door_policy: tokenDoorPolicy });
      await this.audit.record({ event: 'bridge_client_changed', actor, detail: { clientId, tokenDoorPolicy: { from, to: tokenDoorPolicy } } }, trx);
      return true;
    });
  }

  /** The live client's key, or null for an unknown or revoked id. */
  async keyOf(clientId: string): Promise<ClientKey | null> {
    if (!CLIENT_ID_PATTERN.test(clientId)) return null;
    const row = await liveRow(this.db, clientId);
    if (!row) return null;
    const signingKey = Buffer.from(this.box().open(row.sealed_signing_key, sealContext(clientId)), 'base64');
    return { clientId, platform: row.platform, userSource: userSourceOf(row.user_source), tokenDoorPolicy: tokenDoorPolicyOf(row.token_door_policy), signingKey, lastUsedAt: nullableNumber(row.last_used_at) };
  }

  /**
   * Re-seals every client's key under the current MFA_SECRET_KEY (`keys rotate`), so the old
   * key can be dropped. Returns how many moved; a key that does not open is left and counted.
   */
  async resealAll(): Promise<{ resealed: number; failed: Array<{ clientId: string; reason: string }> }> {
    const rows = await this.db<ClientRow>('mfa_bridge_clients').select('client_id', 'sealed_signing_key');
    let resealed = 0;
    const failed: Array<{ clientId: string; reason: string }> = [];
    for (const row of rows) {
      try {
        const moved = this.box().reseal(row.sealed_signing_key, sealContext(row.client_id));
        if (moved === null) continue;
        // Compare-and-swap: a client re-made meanwhile keeps its new key.
        resealed += await this.db('mfa_bridge_clients').where({ client_id: row.client_id, sealed_signing_key: row.sealed_signing_key }).update({ sealed_signing_key: moved });
      } catch (error) {
        // The box says which key to put back; nothing else about the key.
        failed.push({ clientId: row.client_id, reason: error instanceof MfaError ? error.message : 'it could not be opened' });
      }
    }
    return { resealed, failed };
  }

  /** Notes that the client called (at most once a minute), for the admin's list. */
  async touch(client: ClientKey): Promise<void> {
    const now = this.now();
    if (client.lastUsedAt !== null && now - client.lastUsedAt < TOUCH_EVERY_MS) return;
    await this.db('mfa_bridge_clients').where({ client_id: client.clientId }).update({ last_used_at: now });
  }
}

/**
 * The live client of exactly this id. MySQL's collation folds letter case (`KC-MAIN` finds
 * `kc-main`), and the key sealed for `kc-main` does not open for `KC-MAIN`: compared here, byte
 * for byte, another case is an unknown id on every database, never a key that fails to open.
 */
async function liveRow(db: Knex, clientId: string): Promise<ClientRow | null> {
  const rows = await db<ClientRow>('mfa_bridge_clients').where({ client_id: clientId }).whereNull('revoked_at').select('*');
  return rows.find((row) => row.client_id === clientId) ?? null;
}

/** Associated data of the sealed key: a sealed key copied onto another client's row does not open. */
function sealContext(clientId: string): string {
  return `bridge-client:${clientId}`;
}
