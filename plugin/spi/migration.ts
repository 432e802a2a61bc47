import type { Knex } from 'knex';

/** One schema change, run once in name order (the plugin's, then each factor's own, recorded by name). */
export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}
