import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInFactors } from '../../plugin/factors/index.ts';
import { runMigrations } from '../../plugin/store/migrationSource.ts';
import { migratePlugin, PLUGIN_MIGRATIONS_TABLE } from '../../plugin/migratePlugin.ts';
import { pluginMigrations } from '../../plugin/store/migrations/index.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';

for (const kind of databaseKinds) {
  describe(`plugin migrations on ${kind}`, () => {
    it('creates every plugin table, and a second run changes nothing', async () => {
      const t = await createTestDatabase(kind);
      try {
        const first = await migratePlugin(t.db);
        assert.deepEqual(first, [...pluginMigrations, ...builtInFactors.flatMap((f) => f.migrations ?? [])].map((m) => m.name));
        for (const table of ['mfa_settings', 'mfa_audit_log', 'mfa_attempts', 'mfa_attempt_factors', 'mfa_user_factors', 'mfa_factor_failures', 'mfa_trusted_devices', 'mfa_known_sign_ins', 'mfa_identity_tokens', 'mfa_api_sessions', 'mfa_rate_limits', 'mfa_password_guesses']) {
          assert.equal(await t.db.schema.hasTable(table), true, `${table} exists`);
        }
        assert.deepEqual(await migratePlugin(t.db), []);
      } finally {
        await t.drop();
      }
    });
  });
}

for (const kind of databaseKinds) {
  describe(`upgrading to the factor storage API on ${kind}`, () => {
    it('moves secrets, counters and credential ids into the records, and keeps trusted browsers in the factor’s own table', async () => {
      const t = await createTestDatabase(kind);
      try {
        // A database as the release before the storage API left it: migrations 001-006 (002 made mfa_trusted_devices).
        await runMigrations(t.db, pluginMigrations.slice(0, 6), PLUGIN_MIGRATIONS_TABLE);
        if (!(await t.db.schema.hasTable('mfa_trusted_devices'))) {
          // 002 no longer makes it; make it as 002 did, so the upgrade meets the table it would find.
          await t.db.schema.createTable('mfa_trusted_devices', (table) => {
            table.increments('id').primary();
            table.string('user_id', 64).notNullable();
            table.string('token_hash', 64).notNullable().unique();
            table.string('label', 191).nullable();
            table.bigInteger('created_at').notNullable();
            table.bigInteger('expires_at').notNullable();
            table.bigInteger('last_used_at').nullable();
            table.string('ip', 64).nullable();
            table.string('user_agent', 512).nullable();
          });
        }
        const now = Date.now();
        await t.db('mfa_user_factors').insert([
          { user_id: '7', factor: 'totp', label: 'Phone', secret: 'v1:sealed', credential_id: null, counter: 5, data: JSON.stringify({ algorithm: 'SHA1', digits: 6, period: 30 }), created_at: now, confirmed_at: now },
          { user_id: '7', factor: 'webauthn', label: 'Key', secret: 'cHVibGlj', credential_id: 'Y3JlZA', counter: 3, data: JSON.stringify({ transports: ['usb'], userHandle: 'aGFuZA' }), created_at: now, confirmed_at: now },
          { user_id: '7', factor: 'email', label: 'Email', secret: null, credential_id: null, counter: 0, data: null, created_at: now, confirmed_at: now },
        ]);
        await t.db('mfa_trusted_devices').insert({ user_id: '7', token_hash: 'h'.repeat(64), created_at: now, expires_at: now + 3_600_000 });

        const applied = await migratePlugin(t.db);
        assert.deepEqual(applied, ['007_factor_storage', '008_bridge', '009_bridge_site_users', '010_bridge_token_door', 'trusted_device_001_trusted_devices']);
        const rows = await t.db('mfa_user_factors').orderBy('id');
        assert.deepEqual(JSON.parse(rows[0].data), { algorithm: 'SHA1', digits: 6, period: 30, secret: 'v1:sealed', counter: 5 });
        assert.deepEqual(JSON.parse(rows[1].data), { transports: ['usb'], userHandle: 'aGFuZA', secret: 'cHVibGlj', counter: 3 });
        assert.equal(rows[1].credential_id, 'webauthn:Y3JlZA', 'the credential id is the record’s key, per factor');
        assert.equal(rows[2].data, null, 'a row with nothing to move is left alone');
        assert.ok(rows.every((row: { secret: unknown; version: unknown }) => row.secret === null && Number(row.version) === 0));
        assert.equal((await t.db('mfa_trusted_devices')).length, 1, 'the trusted browsers stay');
      } finally {
        await t.drop();
      }
    });
  });
}

for (const kind of databaseKinds) {
  describe(`upgrading bridge clients to a token door policy on ${kind}`, () => {
    it('gives a client made before the policy existed MFA required at the token door (the safe default, not the LMS app\'s toggle)', async () => {
      const t = await createTestDatabase(kind);
      try {
        // A database as the release before the policy left it: migrations up to 009_bridge_site_users.
        const upTo009 = pluginMigrations.slice(0, pluginMigrations.findIndex((m) => m.name === '009_bridge_site_users') + 1);
        await runMigrations(t.db, upTo009, PLUGIN_MIGRATIONS_TABLE);
        await t.db('mfa_bridge_clients').insert({ client_id: 'keycloak-main', platform: 'keycloak', user_source: 'site', sealed_signing_key: 'v2:sealed', created_at: Date.now() });
        await migratePlugin(t.db);
        const [row] = await t.db('mfa_bridge_clients').where({ client_id: 'keycloak-main' });
        assert.equal(row.token_door_policy, 'required');
      } finally {
        await t.drop();
      }
    });
  });
}
