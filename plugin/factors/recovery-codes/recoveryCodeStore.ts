import type { Knex } from 'knex';
import type { KeyedHash } from '../../crypto/keyedHash.ts';
import { randomToken } from '../../crypto/tokens.ts';
import { type UserFactorRecord, UserFactorRecords } from '../../store/userFactorRecords.ts';
import { type HashedRecoveryCode, hashRecoveryCode, normalizeRecoveryCode } from './recoveryCode.ts';

export const RECOVERY_CODES_FACTOR_ID = 'recovery_codes';

const TABLE = 'mfa_user_factors';

/**
 * One mfa_user_factors row per code: `secret` holds the salted hash, `data` the salt and
 * the set it belongs to, `counter` 0 while unused and 1 once used. A code is spent by
 * UserFactorRecords.advanceCounter (an UPDATE guarded by counter < 1), so of two
 * parallel logins with one code, one passes. A new set is pending (confirmed_at null)
 * until the user says they saved it; confirming it deletes the old set in the same transaction.
 */
export class RecoveryCodeStore {
  private readonly records: UserFactorRecords;

  constructor(
    private readonly db: Knex,
    private readonly codeHash: KeyedHash,
  ) {
    this.records = new UserFactorRecords(db);
  }

  /** Codes of the user's confirmed set, used or not. */
  confirmed(userId: string): Promise<UserFactorRecord[]> {
    return this.records.list(userId, RECOVERY_CODES_FACTOR_ID, 'confirmed');
  }

  async countUnused(userId: string): Promise<number> {
    const row = await this.db(TABLE)
      .where({ user_id: userId, factor: RECOVERY_CODES_FACTOR_ID, counter: 0 })
      .whereNotNull('confirmed_at')
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** Stores a new pending set (replacing any earlier pending one); returns the id of its first row. */
  async insertPendingSet(userId: string, codes: readonly string[], createdAt: number, ip: string | null): Promise<number> {
    const setId = randomToken(12);
    return this.db.transaction(async (trx) => {
      await trx(TABLE).where({ user_id: userId, factor: RECOVERY_CODES_FACTOR_ID }).whereNull('confirmed_at').delete();
      const records = new UserFactorRecords(trx);
      const ids: number[] = [];
      for (const code of codes) {
        const { salt, hash } = hashRecoveryCode(normalizeRecoveryCode(code) ?? '', this.codeHash);
        ids.push(
          await records.insert({ userId, factor: RECOVERY_CODES_FACTOR_ID, label: 'Recovery code', secret: hash, data: { salt, setId }, createdAt, createdFromIp: ip }),
        );
      }
      return Math.min(...ids);
    });
  }

  /** The pending set `setupId` opens, if it is the user's and still pending. */
  async pendingSet(userId: string, setupId: number): Promise<UserFactorRecord[]> {
    const first = await this.records.find(setupId);
    if (!first || first.userId !== userId || first.factor !== RECOVERY_CODES_FACTOR_ID || first.confirmedAt !== null) return [];
    const pending = await this.records.list(userId, RECOVERY_CODES_FACTOR_ID, 'pending');
    return pending.filter((record) => record.data.setId === first.data.setId);
  }

  /** Makes a pending set the user's set and deletes the old one, together or not at all. False when the set was no longer pending. */
  async confirmSet(userId: string, set: readonly UserFactorRecord[], at: number): Promise<boolean> {
    const ids = set.map((record) => record.id);
    try {
      await this.db.transaction(async (trx) => {
        const confirmed = await trx(TABLE).whereIn('id', ids).whereNull('confirmed_at').update({ confirmed_at: at });
        // A double submit, or a newer set replaced this one: leave everything as it was.
        if (confirmed !== ids.length) throw new SetNoLongerPending();
        await trx(TABLE).where({ user_id: userId, factor: RECOVERY_CODES_FACTOR_ID }).whereNotNull('confirmed_at').whereNotIn('id', ids).delete();
      });
      return true;
    } catch (error) {
      if (error instanceof SetNoLongerPending) return false;
      throw error;
    }
  }

  /** Spends one code: true only for the one call that moved it from unused to used. */
  markUsed(id: number, at: number): Promise<boolean> {
    return this.records.advanceCounter(id, 1, at);
  }

  removeAll(userId: string): Promise<number> {
    return this.records.removeAll(userId, RECOVERY_CODES_FACTOR_ID);
  }
}

export function storedHashOf(record: UserFactorRecord): HashedRecoveryCode {
  return { salt: String(record.data.salt ?? ''), hash: record.secret ?? '' };
}

class SetNoLongerPending extends Error {}
