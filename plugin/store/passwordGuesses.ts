import type { Knex } from 'knex';
import { EMPTY_STATE, type GuessRowScope, type GuessState } from './guessState.ts';

const TABLE = 'mfa_password_guesses';

export interface StoredGuessState {
  key: string;
  /** Compared on write: a row changed by another request meanwhile is not overwritten. */
  version: number;
  state: GuessState;
}

export interface GuessKey {
  key: string;
  scope: GuessRowScope;
  /** The account's key, on pair, account and device rows, so an admin can clear them all. */
  accountKey: string | null;
}

interface GuessRow {
  throttle_key: string;
  version: number | string;
  failures: number | string;
  blocked_until: number | string;
  recent_failures: string;
  last_success_at: number | string | null;
  updated_at: number | string;
}

function parseTimes(text: string): number[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((t): t is number => typeof t === 'number') : [];
  } catch {
    return [];
  }
}

function toState(row: GuessRow): GuessState {
  return {
    failures: Number(row.failures),
    blockedUntil: Number(row.blocked_until),
    recentFailures: parseTimes(row.recent_failures),
    lastSuccessAt: row.last_success_at === null ? null : Number(row.last_success_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Another request changed a row between our read and our write: read again and decide again. */
export class GuessStateConflict extends Error {}

/**
 * The throttle's rows (migration 006): one per pair, account and address, and one per
 * device cookie (scope `device`, keyed by a hash of its id: its recent wrong passwords).
 * Every change is a compare-and-swap on `version`,
 * several rows in one transaction: either all of a guess's keys take it, or none does,
 * on any number of app instances. No dialect-specific SQL.
 */
export class PasswordGuessStore {
  constructor(private readonly db: Knex) {}

  /** The states of `keys`; a key without a row reads as empty with version -1. */
  async read(keys: readonly GuessKey[]): Promise<StoredGuessState[]> {
    const rows = await this.db<GuessRow>(TABLE).whereIn('throttle_key', keys.map((k) => k.key));
    const byKey = new Map(rows.map((row) => [row.throttle_key, row]));
    return keys.map(({ key }) => {
      const row = byKey.get(key);
      return row ? { key, version: Number(row.version), state: toState(row) } : { key, version: -1, state: EMPTY_STATE };
    });
  }

  /**
   * Writes the new states if no row changed since it was read; throws GuessStateConflict
   * (and writes nothing) otherwise. A row read as absent is inserted; a parallel insert of
   * the same key makes the insert fail, which is a conflict too.
   */
  async swap(changes: ReadonlyArray<{ key: GuessKey; read: StoredGuessState; next: GuessState }>): Promise<void> {
    try {
      await this.db.transaction(async (trx) => {
        for (const { key, read, next } of changes) {
          const values = {
            failures: next.failures,
            blocked_until: next.blockedUntil,
            recent_failures: JSON.stringify(next.recentFailures),
            last_success_at: next.lastSuccessAt,
            updated_at: next.updatedAt,
          };
          if (read.version < 0) {
            await trx(TABLE).insert({ throttle_key: key.key, scope: key.scope, account_key: key.accountKey, version: 0, ...values });
            continue;
          }
          const changed = await trx(TABLE).where({ throttle_key: key.key, version: read.version }).update({ ...values, version: read.version + 1 });
          if (changed !== 1) throw new GuessStateConflict();
        }
      });
    } catch (error) {
      if (error instanceof GuessStateConflict || isUniqueViolation(error) || isDeadlock(error)) throw new GuessStateConflict();
      throw error;
    }
  }

  /**
   * Clears an account's throttle: its ceiling, every address's backoff for it and its device
   * cookies' counts. The addresses it logged in from stay known. Returns how many rows held a failure.
   */
  async clearAccount(accountKey: string, now: number): Promise<number> {
    return this.db.transaction(async (trx) => {
      const blocked = await trx(TABLE)
        .where({ account_key: accountKey })
        .where((q) => q.where('failures', '>', 0).orWhereNot('recent_failures', '[]'))
        .count<{ n: number | string }[]>({ n: '*' });
      await trx(TABLE).where({ throttle_key: accountKey }).delete();
      await trx(TABLE)
        .where({ account_key: accountKey })
        .update({ failures: 0, blocked_until: 0, recent_failures: '[]', updated_at: now, version: trx.raw('version + 1') });
      return Number(blocked[0]?.n ?? 0);
    });
  }

  /**
   * Deletes rows that decide nothing any more: untouched since `idleBefore` (their failures
   * are out of the window and forgotten) and with no login since `knownBefore`. Anonymous
   * guessing makes one to three rows per username tried; this keeps the table bounded.
   */
  async purge(idleBefore: number, knownBefore: number, db: Knex = this.db): Promise<number> {
    return db(TABLE)
      .where('updated_at', '<', idleBefore)
      .where('blocked_until', '<', idleBefore)
      .where((q) => q.whereNull('last_success_at').orWhere('last_success_at', '<', knownBefore))
      .delete();
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** InnoDB may pick a guess's transaction as a deadlock victim under a burst: it wrote nothing, so it is retried like a conflict. */
function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}
