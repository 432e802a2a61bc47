import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * A platform whose users are the site's own (a Keycloak that federates the LMS's
 * directory): so a person enrols once, and one lockout and one audit guard every door.
 * - `mfa_bridge_clients.user_source`: `platform` (its users are its own, as before) or
 *   `site` (matched to the site's user of the same username and email).
 * - `mfa_bridge_users.site_user_id`: the site's user a platform user was matched to, kept
 *   so later calls that name only the platform's id (set-up confirm) find the same person.
 */
export const bridgeSiteUsers: Migration = {
  name: '009_bridge_site_users',
  async up(db: Knex) {
    await db.schema.alterTable('mfa_bridge_clients', (t) => {
      t.string('user_source', 16).notNullable().defaultTo('platform');
    });
    await db.schema.alterTable('mfa_bridge_users', (t) => {
      t.string('site_user_id', 191).nullable();
    });
  },
  async down(db: Knex) {
    await db.schema.alterTable('mfa_bridge_users', (t) => t.dropColumn('site_user_id'));
    await db.schema.alterTable('mfa_bridge_clients', (t) => t.dropColumn('user_source'));
  },
};
