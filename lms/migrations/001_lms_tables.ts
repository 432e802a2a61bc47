import type { Knex } from 'knex';
import type { Migration } from '../../plugin/store/migrationSource.ts';

/** The host's own tables: what an LMS already has before the plugin is dropped in. */
export const lmsTables: Migration = {
  name: '001_lms_tables',
  async up(db: Knex) {
    await db.schema.createTable('lms_users', (t) => {
      t.increments('id').primary();
      t.string('username', 100).notNullable().unique();
      t.string('email', 254).notNullable();
      t.string('password_hash', 100).notNullable();
      t.string('auth', 20).notNullable().defaultTo('manual');
      t.boolean('suspended').notNullable().defaultTo(false);
      t.boolean('is_admin').notNullable().defaultTo(false);
      t.bigInteger('created_at').notNullable();
    });
    await db.schema.createTable('lms_external_services', (t) => {
      t.increments('id').primary();
      t.string('shortname', 100).notNullable().unique();
      t.string('name', 191).notNullable();
      t.boolean('enabled').notNullable().defaultTo(true);
    });
    await db('lms_external_services').insert({ shortname: 'moodle_mobile_app', name: 'Moodle mobile web service', enabled: true });
    // Tokens are kept as SHA-256 hashes, never in clear (Moodle keeps them in clear).
    await db.schema.createTable('lms_external_tokens', (t) => {
      t.increments('id').primary();
      t.integer('user_id').unsigned().notNullable().references('id').inTable('lms_users').onDelete('CASCADE');
      t.integer('service_id').unsigned().notNullable().references('id').inTable('lms_external_services').onDelete('CASCADE');
      t.string('token_hash', 64).notNullable().unique();
      t.string('private_token_hash', 64).notNullable();
      t.string('name', 191).nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('last_used_at').nullable();
      t.bigInteger('valid_until').nullable();
      t.bigInteger('revoked_at').nullable();
      t.index(['user_id']);
    });
    await db.schema.createTable('lms_sessions', (t) => {
      t.string('sid', 255).primary();
      t.text('sess').notNullable();
      t.bigInteger('expires_at').notNullable().index();
    });
  },
  async down(db: Knex) {
    for (const table of ['lms_sessions', 'lms_external_tokens', 'lms_external_services', 'lms_users']) await db.schema.dropTableIfExists(table);
  },
};
