import type { KeyedHash } from '../../crypto/keyedHash.ts';
import { randomToken } from '../../crypto/tokens.ts';
import type { FactorRecord, FactorRecords } from '../../spi/factorStorage.ts';
import { type HashedRecoveryCode, hashRecoveryCode, normalizeRecoveryCode } from './recoveryCode.ts';

export const RECOVERY_CODES_FACTOR_ID = 'recovery_codes';

/**
 * One record per code: `secret` holds the salted hash, `salt` its salt, `setId` the set it
 * belongs to, `counter` 0 while unused and 1 once used (the names of the columns they had
 * before the storage API). A code is spent by a compare-and-swap on its record, so of two
 * parallel logins with one code, one passes.
 */
export interface RecoveryCodeData {
  secret?: string;
  salt?: string;
  setId?: string;
  counter?: number;
}

export type RecoveryCodeRecord = FactorRecord<RecoveryCodeData>;

export function isUnused(record: RecoveryCodeRecord): boolean {
  return (record.data.counter ?? 0) === 0;
}

/**
 * The user's codes through the engine's factor storage. A new set is pending until the
 * user says they saved it; confirming it removes the old set in the same transaction
 * (FactorRecords.confirmReplacing), so there is never a moment with both or neither.
 */
export class RecoveryCodeStore {
  constructor(
    private readonly records: FactorRecords<RecoveryCodeData>,
    private readonly codeHash: KeyedHash,
  ) {}

  /** Codes of the user's confirmed set, used or not. */
  confirmed(userId: string): Promise<RecoveryCodeRecord[]> {
    return this.records.list(userId, 'confirmed');
  }

  async countUnused(userId: string): Promise<number> {
    return (await this.confirmed(userId)).filter(isUnused).length;
  }

  /** Stores a new pending set (replacing any earlier pending one); returns the id of its first record. */
  async insertPendingSet(userId: string, codes: readonly string[], ip: string | null): Promise<number> {
    const setId = randomToken(12);
    for (const old of await this.records.list(userId, 'pending')) await this.records.remove(userId, old.id);
    const ids: number[] = [];
    for (const code of codes) {
      const { salt, hash } = hashRecoveryCode(normalizeRecoveryCode(code) ?? '', this.codeHash);
      const record = await this.records.insert(userId, { label: 'Recovery code', data: { secret: hash, salt, setId, counter: 0 }, createdFromIp: ip });
      if (record) ids.push(record.id);
    }
    return Math.min(...ids);
  }

  /** The pending set `setupId` opens, if it is the user's and still pending. */
  async pendingSet(userId: string, setupId: number): Promise<RecoveryCodeRecord[]> {
    const first = await this.records.get(userId, setupId);
    if (!first || first.confirmedAt !== null) return [];
    const pending = await this.records.list(userId, 'pending');
    return pending.filter((record) => record.data.setId === first.data.setId);
  }

  /** Makes a pending set the user's set and deletes the old one, together or not at all. False when the set was no longer pending. */
  confirmSet(userId: string, set: readonly RecoveryCodeRecord[]): Promise<boolean> {
    return this.records.confirmReplacing(userId, set);
  }

  /** Spends one code: true only for the one call that moved it from unused to used. */
  markUsed(record: RecoveryCodeRecord, at: number): Promise<boolean> {
    return this.records.update(record, { data: { ...record.data, counter: 1 }, lastUsedAt: at });
  }

  removeAll(userId: string): Promise<number> {
    return this.records.removeAll(userId);
  }
}

export function storedHashOf(record: RecoveryCodeRecord): HashedRecoveryCode {
  return { salt: String(record.data.salt ?? ''), hash: record.data.secret ?? '' };
}
