import type { Knex } from 'knex';

const TABLE = 'mfa_factor_failures';

export interface TryReservation {
  /** False when the factor is locked: no try was taken. */
  allowed: boolean;
  /** Failures counted for the user on this factor, this try included. */
  failures: number;
}

/**
 * Failed inputs per user and factor, in the database. A try is *reserved* (counted)
 * before the input is checked, by an UPDATE that only succeeds below the threshold and
 * on the count it read:
 * however many requests arrive at once, on however many app instances, no more than
 * `threshold` inputs are ever checked. A correct input gives its try back.
 */
export class FailureCounter {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  async reserveTry(userId: string, factor: string, threshold: number): Promise<TryReservation> {
    // Read, then a compare-and-swap on the count read: it succeeds only if no other try
    // (on any app instance) counted in between, so the count after it is this try's own,
    // without a transaction. A lost swap means another try counted: read again.
    for (;;) {
      const row = await this.db(TABLE).where({ user_id: userId, factor }).first('failures');
      if (!row) {
        await this.db(TABLE).insert({ user_id: userId, factor, failures: 0, updated_at: this.now() }).onConflict(['user_id', 'factor']).ignore();
        continue;
      }
      const failures = Number(row.failures);
      if (failures >= threshold) return { allowed: false, failures };
      const taken = await this.db(TABLE)
        .where({ user_id: userId, factor, failures })
        .update({ failures: failures + 1, updated_at: this.now() });
      if (taken === 1) return { allowed: true, failures: failures + 1 };
    }
  }

  async giveBack(userId: string, factor: string): Promise<void> {
    await this.db(TABLE).where({ user_id: userId, factor }).where('failures', '>', 0).update({ failures: this.db.raw('failures - 1') });
  }

  async failures(userId: string, factor: string): Promise<number> {
    const row = await this.db(TABLE).where({ user_id: userId, factor }).first('failures');
    return Number(row?.failures ?? 0);
  }

  async all(userId: string): Promise<Map<string, number>> {
    const rows = await this.db(TABLE).where({ user_id: userId }).select('factor', 'failures');
    return new Map(rows.map((r: { factor: string; failures: number }) => [r.factor, Number(r.failures)]));
  }

  /** Clears every count of the user (passing MFA lifts any lock): one statement, for a caller that needs no list of what was locked. */
  async clearAll(userId: string): Promise<void> {
    await this.db(TABLE).where({ user_id: userId }).where('failures', '>', 0).update({ failures: 0, updated_at: this.now() });
  }

  /** Clears the count (and so the lock) of one factor, or of all the user's factors. Returns the factors that were locked. */
  async reset(userId: string, threshold: number, factor?: string): Promise<string[]> {
    const query = this.db(TABLE).where({ user_id: userId });
    if (factor) query.where({ factor });
    const locked = (await query.clone().where('failures', '>=', threshold).select('factor')).map((r: { factor: string }) => r.factor);
    await query.update({ failures: 0, updated_at: this.now() });
    return locked;
  }
}
