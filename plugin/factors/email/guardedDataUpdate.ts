import type { Knex } from 'knex';

/**
 * Compare-and-swap on a JSON `data` column: the row changes only if its data is still
 * exactly what the caller read. Two requests that read the same state cannot both
 * write a successor (one UPDATE matches, the other changes no row), so a code is spent
 * once and a throttle counter is never skipped, on any number of app instances.
 * Every state carries a `version` that each write increases, so distinct states never
 * compare equal, whatever the column's collation.
 */
export async function replaceAttemptFactorData(
  db: Knex,
  key: { attemptId: string; factor: string },
  expected: string | null,
  next: object,
  at: number,
): Promise<boolean> {
  const query = db('mfa_attempt_factors').where({ attempt_id: key.attemptId, factor: key.factor });
  if (expected === null) query.whereNull('data');
  else query.where('data', expected);
  return (await query.update({ data: JSON.stringify(next), updated_at: at })) === 1;
}

/** The same guard for a row of mfa_user_factors (an email set-up waiting for its code). */
export async function replaceUserFactorData(db: Knex, id: number, expected: string | null, next: object): Promise<boolean> {
  const query = db('mfa_user_factors').where({ id });
  if (expected === null) query.whereNull('data');
  else query.where('data', expected);
  return (await query.update({ data: JSON.stringify(next) })) === 1;
}
