import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

interface LegacyRow {
  id: number;
  factor: string;
  secret: string | null;
  credential_id: string | null;
  counter: number | string;
  data: string | null;
}

/**
 * The factor storage API (plugin/spi/factorStorage.ts): every write of a factor's record
 * or attempt state is a compare-and-swap on `version`. Records keep all of a factor's data
 * in `data`: the `secret` and `counter` columns of older releases move into it under the
 * same names (the factor reads them there), and `credential_id` becomes the record's key,
 * stored as `<factor>:<key>` so that the one unique index keeps keys unique per factor.
 * Which factor a row belongs to does not matter here: every row moves the same way.
 */
export const factorStorage: Migration = {
  name: '007_factor_storage',
  async up(db: Knex) {
    await db.schema.alterTable('mfa_user_factors', (t) => {
      t.integer('version').notNullable().defaultTo(0);
    });
    await db.schema.alterTable('mfa_attempt_factors', (t) => {
      t.integer('version').notNullable().defaultTo(0);
    });
    const rows: LegacyRow[] = await db('mfa_user_factors')
      .where((q) => q.whereNotNull('secret').orWhereNotNull('credential_id').orWhereNot('counter', 0))
      .select('id', 'factor', 'secret', 'credential_id', 'counter', 'data');
    for (const row of rows) {
      const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
      if (row.secret !== null) data.secret = row.secret;
      data.counter = Number(row.counter);
      await db('mfa_user_factors')
        .where({ id: row.id })
        .update({
          data: JSON.stringify(data),
          secret: null,
          counter: 0,
          credential_id: row.credential_id === null ? null : `${row.factor}:${row.credential_id}`,
        });
    }
  },
  async down(db: Knex) {
    await db.schema.alterTable('mfa_attempt_factors', (t) => {
      t.dropColumn('version');
    });
    await db.schema.alterTable('mfa_user_factors', (t) => {
      t.dropColumn('version');
    });
  },
};
