import type { Knex } from 'knex';

import type { AuditEntry, AuditEventName } from '../spi/audit.ts';

export type { AuditEntry, AuditEventName };

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
