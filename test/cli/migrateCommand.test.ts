import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';
import { runCliInProcess } from './runCliInProcess.ts';

for (const kind of databaseKinds) {
  describe(`mfa-bridge migrate on ${kind}`, () => {
    it('creates the plugin and LMS tables on an empty database, and runs again without change', async () => {
      const t = await createTestDatabase(kind);
      try {
        assert.equal(await t.db.schema.hasTable('lms_users'), false);
        assert.deepEqual(await runCliInProcess(['migrate'], t.url), { code: 0, stdout: 'The database is up to date.', stderr: '' });
        for (const table of ['lms_users', 'mfa_settings', 'mfa_audit_log', 'mfa_attempts']) {
          assert.equal(await t.db.schema.hasTable(table), true, `${table} exists`);
        }
        assert.equal((await runCliInProcess(['migrate'], t.url)).code, 0);
      } finally {
        await t.drop();
      }
    });
  });
}
