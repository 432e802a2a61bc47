import type { Knex } from 'knex';

/** Every MFA event that is written to the audit table and offered to subscribers. */
export type AuditEventName =
  | 'settings_changed'
  | 'expired_purged'
  | 'attempt_opened'
  | 'mfa_passed'
  | 'mfa_failed'
  | 'factor_failed'
  | 'factor_locked'
  | 'factor_unlocked'
  | 'password_throttle_cleared'
  | 'factor_added'
  | 'factor_removed'
  | 'factor_renamed'
  | 'factor_reset'
  | 'totp_code_reused'
  | 'trusted_device_added'
  | 'trusted_device_revoked'
  | 'recovery_code_used'
  | 'identity_token_created'
  | 'identity_token_used'
  | 'identity_token_revoked'
  | 'service_token_issued'
  | 'service_token_revoked'
  | 'api_session_created'
  | 'sessions_ended'
  | 'not_me_reported'
  | 'webauthn_counter_regressed'
  /** `mfa-bridge keys rotate` re-encrypted the secrets at rest (counts in detail). */
  | 'keys_rotated'
  /** A bridge API client (a platform such as Keycloak) was created or revoked (its id; never its secret). */
  | 'bridge_client_added'
  | 'bridge_client_revoked'
  /** A bridge client's token door policy was changed (from, to). */
  | 'bridge_client_changed'
  /** A signed call to /bridge/v1, with the client id as actor. */
  | 'bridge_call'
  /** A call to /bridge/v1 refused before it ran: bad signature, stale, replayed, unknown or revoked client. */
  | 'bridge_refused';

export interface AuditEntry {
  event: AuditEventName;
  /** The user the event is about. */
  userId?: string | null;
  /** Who caused it: a username, `cli`, `system`. */
  actor?: string | null;
  factor?: string | null;
  door?: string | null;
  ip?: string | null;
  /** Extra facts; never a secret, code or token. */
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: number;
}

export type AuditListener = (record: AuditRecord) => void;

interface AuditRow {
  id: number;
  at: number | string;
  event: string;
  user_id: string | null;
  actor: string | null;
  factor: string | null;
  door: string | null;
  ip: string | null;
  detail: string | null;
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: Number(row.id),
    at: Number(row.at),
    event: row.event as AuditEventName,
    userId: row.user_id,
    actor: row.actor,
    factor: row.factor,
    door: row.door,
    ip: row.ip,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {},
  };
}

/**
 * The audit table, and the hook a host subscribes to for the same events.
 * Inside a transaction, pass it as `trx`, so the audit row lands with the change or not at all.
 */
export class AuditLog {
  private readonly listeners = new Set<AuditListener>();

  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `listener` for every event recorded from now on; returns the unsubscribe function. */
  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async record(entry: AuditEntry, trx?: Knex.Transaction): Promise<AuditRecord> {
    const at = this.now();
    const row = {
      at,
      event: entry.event,
      user_id: entry.userId ?? null,
      actor: entry.actor ?? null,
      factor: entry.factor ?? null,
      door: entry.door ?? null,
      ip: entry.ip ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    };
    const [id] = await (trx ?? this.db)('mfa_audit_log').insert(row);
    const record: AuditRecord = { ...entry, id: Number(id), at };
    const deliver = () => {
      for (const listener of this.listeners) {
        try {
          listener(record);
        } catch {
          // A subscriber's bug must not undo or block the event it was told about.
        }
      }
    };
    if (trx) trx.executionPromise.then(deliver, () => {});
    else deliver();
    return record;
  }

  /**
   * Every record of `event`, oldest first, `pageSize` at a time: for a command that walks the
   * whole log (a key rotation) in bounded memory.
   */
  async *pages(event: AuditEventName, pageSize = 500): AsyncGenerator<AuditRecord[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db<AuditRow>('mfa_audit_log').where('event', event).where('id', '>', after).orderBy('id').limit(pageSize);
      if (rows.length === 0) return;
      yield rows.map(toRecord);
      after = Number(rows.at(-1)?.id ?? after);
    }
  }

  async recent(filter: { userId?: string; event?: AuditEventName; events?: readonly AuditEventName[]; since?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const query = this.db<AuditRow>('mfa_audit_log').orderBy('id', 'desc').limit(filter.limit ?? 50);
    if (filter.userId !== undefined) query.where('user_id', filter.userId);
    if (filter.event !== undefined) query.where('event', filter.event);
    if (filter.events !== undefined) query.whereIn('event', [...filter.events]);
    if (filter.since !== undefined) query.where('at', '>=', filter.since);
    return (await query).map(toRecord);
  }
}
