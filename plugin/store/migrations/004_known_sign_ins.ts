import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * Where each user has passed MFA before, so a pass from somewhere new can be mailed
 * to them (plugin/notifications). In the database, not in memory, so every app
 * instance shares what it has seen. `sign_in_key` is a keyed hash of the browser
 * family and network (see knownSignIns.ts): the table keeps no address.
 */
export const knownSignIns: Migration = {
  name: '004_known_sign_ins',
  async up(db: Knex) {
    await db.schema.createTable('mfa_known_sign_ins', (t) => {
      t.string('user_id', 64).notNullable();
      t.string('sign_in_key', 64).notNullable();
      t.bigInteger('first_seen_at').notNullable();
      t.bigInteger('last_seen_at').notNullable();
      t.primary(['user_id', 'sign_in_key']);
    });
  },
  async down(db: Knex) {
    await db.schema.dropTableIfExists('mfa_known_sign_ins');
  },
};
