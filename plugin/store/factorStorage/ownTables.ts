import type { Knex } from 'knex';
import { MfaError } from '../../errors.ts';
import type { OwnTables } from '../../spi/factor.ts';

/**
 * A factor's handle on its own tables: the names it declared (`FactorProviderFactory.tables`),
 * never an engine table, never another factor's. Refusing a name is a programming error in
 * the factor, so it throws at once rather than letting a query reach the wrong table.
 */
export function ownTablesFor(db: Knex, factor: string, declared: readonly string[], engineTables: ReadonlySet<string>): OwnTables {
  const allowed = new Set(declared.filter((name) => !engineTables.has(name)));
  const open = (handle: Knex) => {
    const tables = ((table: string) => {
      if (!allowed.has(table)) {
        throw new MfaError(
          'FACTOR_NOT_AVAILABLE',
          engineTables.has(table)
            ? `Factor "${factor}" asked for the engine table ${table}: factors reach engine data only through their storage.`
            : `Factor "${factor}" asked for table ${table}, which it does not declare in its tables.`,
        );
      }
      return handle(table);
    }) as OwnTables;
    tables.transaction = <T>(work: (inner: OwnTables) => Promise<T>) => handle.transaction((trx) => work(open(trx)));
    return tables;
  };
  return open(db);
}
