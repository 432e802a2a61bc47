import type { Knex } from 'knex';

/** A row of mfa_user_factors: one device (or pending set-up) of one user for one factor. */
export interface UserFactorRecord {
  id: number;
  userId: string;
  factor: string;
  label: string;
  secret: string | null;
  credentialId: string | null;
  counter: number;
  data: Record<string, unknown>;
  createdAt: number;
  createdFromIp: string | null;
  confirmedAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: number;
  user_id: string;
  factor: string;
  label: string;
  secret: string | null;
  credential_id: string | null;
  counter: number | string;
  data: string | null;
  created_at: number | string;
  created_from_ip: string | null;
  confirmed_at: number | string | null;
  last_used_at: number | string | null;
}

const TABLE = 'mfa_user_factors';

function toRecord(row: Row): UserFactorRecord {
  return {
    id: Number(row.id),
    userId: row.user_id,
    factor: row.factor,
    label: row.label,
    secret: row.secret,
    credentialId: row.credential_id,
    counter: Number(row.counter),
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {},
    createdAt: Number(row.created_at),
    createdFromIp: row.created_from_ip,
    confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/** Devices and pending set-ups of every factor, in mfa_user_factors. */
export class UserFactorRecords {
  constructor(private readonly db: Knex) {}

  async list(userId: string, factor: string, which: 'confirmed' | 'pending' | 'all' = 'confirmed'): Promise<UserFactorRecord[]> {
    const query = this.db<Row>(TABLE).where({ user_id: userId, factor }).orderBy('id');
    if (which === 'confirmed') query.whereNotNull('confirmed_at');
    if (which === 'pending') query.whereNull('confirmed_at');
    return (await query).map(toRecord);
  }

  async countConfirmed(userId: string, factor: string): Promise<number> {
    const row = await this.db(TABLE).where({ user_id: userId, factor }).whereNotNull('confirmed_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async find(id: number): Promise<UserFactorRecord | null> {
    const row = await this.db<Row>(TABLE).where({ id }).first();
    return row ? toRecord(row) : null;
  }

  async findByCredentialId(credentialId: string): Promise<UserFactorRecord | null> {
    const row = await this.db<Row>(TABLE).where({ credential_id: credentialId }).first();
    return row ? toRecord(row) : null;
  }

  async insert(record: {
    userId: string;
    factor: string;
    label: string;
    secret?: string | null;
    credentialId?: string | null;
    counter?: number;
    data?: Record<string, unknown>;
    createdAt: number;
    createdFromIp?: string | null;
    confirmedAt?: number | null;
  }): Promise<number> {
    const [id] = await this.db(TABLE).insert({
      user_id: record.userId,
      factor: record.factor,
      label: record.label,
      secret: record.secret ?? null,
      credential_id: record.credentialId ?? null,
      counter: record.counter ?? 0,
      data: record.data ? JSON.stringify(record.data) : null,
      created_at: record.createdAt,
      created_from_ip: record.createdFromIp ?? null,
      confirmed_at: record.confirmedAt ?? null,
    });
    return Number(id);
  }

  /** Confirms a pending set-up; false when it was confirmed already (a double submit) or is gone. */
  async confirm(id: number, changes: { label?: string; counter?: number; confirmedAt: number }): Promise<boolean> {
    const update: Record<string, unknown> = { confirmed_at: changes.confirmedAt, last_used_at: changes.confirmedAt };
    if (changes.label !== undefined) update.label = changes.label;
    if (changes.counter !== undefined) update.counter = changes.counter;
    return (await this.db(TABLE).where({ id }).whereNull('confirmed_at').update(update)) === 1;
  }

  /**
   * Moves the replay marker forward only if `counter` is beyond it, in one UPDATE, so
   * two requests carrying the same code cannot both succeed (one row changes, once).
   */
  async advanceCounter(id: number, counter: number, usedAt: number): Promise<boolean> {
    const changed = await this.db(TABLE).where({ id }).where('counter', '<', counter).update({ counter, last_used_at: usedAt });
    return changed === 1;
  }

  async touch(id: number, usedAt: number): Promise<void> {
    await this.db(TABLE).where({ id }).update({ last_used_at: usedAt });
  }

  /** Renames one of the user's confirmed devices of `factor`; the WHERE is the ownership check (false: not theirs, not there). */
  async rename(userId: string, factor: string, id: number, label: string): Promise<boolean> {
    return (await this.db(TABLE).where({ id, user_id: userId, factor }).whereNotNull('confirmed_at').update({ label })) === 1;
  }

  /** Deletes one of the user's rows; false when it is not theirs or not there. */
  async remove(userId: string, factor: string, id: number): Promise<boolean> {
    return (await this.db(TABLE).where({ id, user_id: userId, factor }).delete()) === 1;
  }

  async removeAll(userId: string, factor?: string): Promise<number> {
    const query = this.db(TABLE).where({ user_id: userId });
    if (factor) query.where({ factor });
    return query.delete();
  }

  /** Pending set-ups older than `before` are abandoned: delete them. */
  async removeStalePending(userId: string, factor: string, before: number): Promise<void> {
    await this.db(TABLE).where({ user_id: userId, factor }).whereNull('confirmed_at').where('created_at', '<', before).delete();
  }
}
