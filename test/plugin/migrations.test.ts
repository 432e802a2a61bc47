import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migratePlugin } from '../../plugin/store/migratePlugin.ts';
import { pluginMigrations } from '../../plugin/store/migrations/index.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';

for (const kind of databaseKinds) {
  describe(`plugin migrations on ${kind}`, () => {
    it('creates every plugin table, and a second run changes nothing', async () => {
      const t = await createTestDatabase(kind);
      try {
        const first = await migratePlugin(t.db);
        assert.deepEqual(first, pluginMigrations.map((m) => m.name));
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
