import type { Knex } from 'knex';
import type { AttemptState, FactorAttemptState } from '../../spi/factorStorage.ts';

const TABLE = 'mfa_attempt_factors';

/**
 * One factor's state per attempt, in mfa_attempt_factors.data. The engine writes the
 * row's `state` (pass, locked) on its own; a factor's `data` changes only by `swap`, a
 * conditional UPDATE on `version`, so of two requests that read one state only one writes
 * its successor (a code is spent once, a challenge taken once), on any number of app instances.
 */
export class FactorAttemptStates<TState> implements FactorAttemptState<TState> {
  constructor(
    private readonly db: Knex,
    private readonly factor: string,
    private readonly now: () => number,
  ) {}

  async read(attemptId: string): Promise<AttemptState<TState> | null> {
    const row = (await this.db(TABLE).where({ attempt_id: attemptId, factor: this.factor }).first('data', 'version')) as
      | { data: string | null; version: number | string }
      | undefined;
    if (!row || row.data === null) return null;
    return { value: JSON.parse(row.data) as TState, version: Number(row.version) };
  }

  async swap(attemptId: string, expected: AttemptState<TState> | null, next: TState): Promise<boolean> {
    const at = this.now();
    const data = JSON.stringify(next);
    if (expected === null) {
      // The row may exist already without data (the engine wrote a state); create it if not, then claim the empty slot.
      await this.db(TABLE).insert({ attempt_id: attemptId, factor: this.factor, state: 'unknown', data: null, updated_at: at, version: 0 }).onConflict(['attempt_id', 'factor']).ignore();
      const claimed = await this.db(TABLE).where({ attempt_id: attemptId, factor: this.factor }).whereNull('data').update({ data, version: 1, updated_at: at });
      return claimed === 1;
    }
    const changed = await this.db(TABLE)
      .where({ attempt_id: attemptId, factor: this.factor, version: expected.version })
      .whereNotNull('data')
      .update({ data, version: expected.version + 1, updated_at: at });
    return changed === 1;
  }
}
