import type { Knex } from 'knex';
import type { Migration } from '../migrationSource.ts';

/**
 * Each bridge client's policy for its token door (Keycloak's direct grant), issue 20:
 * `mfa_bridge_clients.token_door_policy` is `required` (MFA asked always, while MFA is on) or
 * `follow-site` (as the site's "Enable MFA for the mobile app" says). Clients made before it
 * get `required`: until now they followed the LMS app's toggle, off by default, so a direct
 * grant an operator had made REQUIRED in Keycloak gave tokens for the password alone.
 */
export const bridgeTokenDoor: Migration = {
  name: '010_bridge_token_door',
  async up(db: Knex) {
    await db.schema.alterTable('mfa_bridge_clients', (t) => {
      t.string('token_door_policy', 16).notNullable().defaultTo('required');
    });
  },
  async down(db: Knex) {
    await db.schema.alterTable('mfa_bridge_clients', (t) => t.dropColumn('token_door_policy'));
  },
};
