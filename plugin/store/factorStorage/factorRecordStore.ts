import type { Knex } from 'knex';
import { forgetRead, rememberedRead, writeThrough } from '../operationScope.ts';
import type { FactorRecord, FactorRecordChange, FactorRecords, NewFactorRecord } from '../../spi/factorStorage.ts';

interface Row {
  id: number;
  user_id: string;
  factor: string;
  label: string;
  credential_id: string | null;
  data: string | null;
  created_at: number | string;
  created_from_ip: string | null;
  confirmed_at: number | string | null;
  last_used_at: number | string | null;
  version: number | string;
}

const TABLE = 'mfa_user_factors';

/** The key under which an operation scope keeps a user's rows of every factor (see `list`). */
const userRowsKey = (userId: string) => `mfa_user_factors:${userId}`;

/**
 * Every row of the user, of every factor: within an operation scope, read once until a
 * write drops it. Only for code that reads rows by the user (the factors' stores, a reseal).
 */
export function userFactorRows(db: Knex, userId: string): Promise<Row[]> {
  return rememberedRead(db, userRowsKey(userId), () => db<Row>(TABLE).where({ user_id: userId }).orderBy('id'));
}

/** For a write to mfa_user_factors made outside these stores (a reseal, an admin reset): the scope reads the user's rows again. */
export function forgetUserFactorRows(db: Knex, userId: string): void {
  forgetRead(db, userRowsKey(userId));
}

/**
 * One factor's records in mfa_user_factors: every query names the factor, so a factor
 * reads and writes only its own rows. Keys share the table's one unique column, stored as
 * `<factor>:<key>` (migration 007), so they are unique per factor and never collide across factors.
 */
export class FactorRecordStore<TData> implements FactorRecords<TData> {
  constructor(
    private readonly db: Knex,
    private readonly factor: string,
    private readonly now: () => number,
  ) {}

  private storedKey(key: string): string {
    return `${this.factor}:${key}`;
  }

  private toRecord(row: Row): FactorRecord<TData> {
    const prefix = `${this.factor}:`;
    return {
      id: Number(row.id),
      userId: row.user_id,
      label: row.label,
      data: (row.data ? JSON.parse(row.data) : {}) as TData,
      key: row.credential_id === null ? null : row.credential_id.startsWith(prefix) ? row.credential_id.slice(prefix.length) : row.credential_id,
      confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
      createdAt: Number(row.created_at),
      createdFromIp: row.created_from_ip,
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      version: Number(row.version),
    };
  }

  private mine(db: Knex = this.db) {
    return db<Row>(TABLE).where({ factor: this.factor });
  }

  /**
   * Within an operation scope, one query reads the user's rows of every factor (the index
   * on user_id, factor serves it), shared by every factor's store on the same database:
   * scoring an attempt asks each factor whether it is set up. Any write here drops them.
   * A factor's own check still ends in a compare-and-swap on `version`, so a row changed
   * by another request meanwhile is refused there, never used twice.
   */
  async list(userId: string, which: 'confirmed' | 'pending' | 'all' = 'confirmed'): Promise<Array<FactorRecord<TData>>> {
    const rows = await userFactorRows(this.db, userId);
    return rows
      .filter((row) => row.factor === this.factor)
      .filter((row) => (which === 'confirmed' ? row.confirmed_at !== null : which === 'pending' ? row.confirmed_at === null : true))
      .map((row) => this.toRecord(row));
  }

  /** A write to a user's records: what the scope remembered of them is dropped. */
  private changing<T>(userId: string, write: () => Promise<T>): Promise<T> {
    return writeThrough(this.db, userRowsKey(userId), write);
  }

  async get(userId: string, id: number): Promise<FactorRecord<TData> | null> {
    if (!Number.isSafeInteger(id)) return null;
    const row = await this.mine().where({ id, user_id: userId }).first();
    return row ? this.toRecord(row) : null;
  }

  async findByKey(key: string): Promise<FactorRecord<TData> | null> {
    const row = await this.mine().where({ credential_id: this.storedKey(key) }).first();
    return row ? this.toRecord(row) : null;
  }

  async countUsers(): Promise<number> {
    const row = await this.mine().whereNotNull('confirmed_at').countDistinct({ n: 'user_id' }).first();
    return Number((row as { n?: number | string } | undefined)?.n ?? 0);
  }

  insert(userId: string, record: NewFactorRecord<TData>): Promise<FactorRecord<TData> | null> {
    return this.changing(userId, () => this.insertRow(userId, record));
  }

  private async insertRow(userId: string, record: NewFactorRecord<TData>): Promise<FactorRecord<TData> | null> {
    const now = this.now();
    const row = {
      user_id: userId,
      factor: this.factor,
      label: record.label,
      credential_id: record.key ? this.storedKey(record.key) : null,
      data: JSON.stringify(record.data),
      created_at: now,
      created_from_ip: record.createdFromIp ?? null,
      confirmed_at: record.confirmed ? now : null,
      version: 1,
    };
    let id: number;
    try {
      const [inserted] = await this.db(TABLE).insert(row);
      id = Number(inserted);
    } catch (error) {
      // The unique key column lost a race with a parallel insert of the same key.
      if (record.key && (await this.findByKey(record.key))) return null;
      throw error;
    }
    return this.toRecord({ ...row, id, last_used_at: null } as Row);
  }

  update(record: FactorRecord<TData>, change: FactorRecordChange<TData>): Promise<boolean> {
    return this.changing(record.userId, () => this.updateRow(record, change));
  }

  private async updateRow(record: FactorRecord<TData>, change: FactorRecordChange<TData>): Promise<boolean> {
    const set: Record<string, unknown> = { version: record.version + 1 };
    if (change.label !== undefined) set.label = change.label;
    if (change.data !== undefined) set.data = JSON.stringify(change.data);
    if (change.lastUsedAt !== undefined) set.last_used_at = change.lastUsedAt;
    if (change.confirmed !== undefined) set.confirmed_at = change.confirmed ? this.now() : null;
    const changed = await this.mine().where({ id: record.id, user_id: record.userId, version: record.version }).update(set);
    return changed === 1;
  }

  confirmReplacing(userId: string, pending: ReadonlyArray<FactorRecord<TData>>): Promise<boolean> {
    return this.changing(userId, () => this.confirmReplacingRows(userId, pending));
  }

  private async confirmReplacingRows(userId: string, pending: ReadonlyArray<FactorRecord<TData>>): Promise<boolean> {
    if (pending.length === 0) return false;
    const now = this.now();
    try {
      await this.db.transaction(async (trx) => {
        for (const record of pending) {
          const changed = await this.mine(trx)
            .where({ id: record.id, user_id: userId, version: record.version })
            .whereNull('confirmed_at')
            .update({ confirmed_at: now, version: record.version + 1 });
          // A double submit, or a newer set replaced this one: leave everything as it was.
          if (changed !== 1) throw new ChangedFirst();
        }
        await this.mine(trx).where({ user_id: userId }).whereNotNull('confirmed_at').whereNotIn('id', pending.map((r) => r.id)).delete();
      });
      return true;
    } catch (error) {
      if (error instanceof ChangedFirst) return false;
      throw error;
    }
  }

  async remove(userId: string, id: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    return (await this.changing(userId, () => this.mine().where({ id, user_id: userId }).delete())) === 1;
  }

  removeAll(userId: string, options: { pendingBefore?: number } = {}): Promise<number> {
    const query = this.mine().where({ user_id: userId });
    if (options.pendingBefore !== undefined) query.whereNull('confirmed_at').where('created_at', '<', options.pendingBefore);
    return this.changing(userId, async () => query.delete());
  }
}

class ChangedFirst extends Error {}
