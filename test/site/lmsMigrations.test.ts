import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateSite } from '../../lms/migrateSite.ts';
import { KnexSessionStore } from '../../adapters/express/knexSessionStore.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';

for (const kind of databaseKinds) {
  describe(`site migrations on ${kind}`, () => {
    it('creates the host’s tables and the plugin’s, seeds the mobile service once, and a second run changes nothing', async () => {
      const t = await createTestDatabase(kind);
      try {
        const first = await migrateSite(t.db);
        assert.deepEqual(first.lms, ['001_lms_tables', '002_session_hashes', '003_password_hash_length']);
        assert.ok(first.plugin.length > 0);
        for (const table of ['lms_users', 'lms_external_services', 'lms_external_tokens', 'lms_sessions', 'mfa_settings', 'mfa_attempts']) {
          assert.equal(await t.db.schema.hasTable(table), true, table);
        }
        assert.deepEqual(await migrateSite(t.db), { lms: [], plugin: [] });
        const services = await t.db('lms_external_services').select('shortname');
        assert.deepEqual(services.map((s: { shortname: string }) => s.shortname), ['moodle_mobile_app']);
      } finally {
        await t.drop();
      }
    });

    it('hands session store errors to the callback instead of throwing', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const store = new KnexSessionStore({ db: t.db });
        const cookie = { originalMaxAge: 1000, expires: new Date(Date.now() + 60_000) };
        await new Promise<void>((resolve, reject) => store.set('sid-1', { cookie } as never, (e) => (e ? reject(e) : resolve())));
        const read = await new Promise((resolve, reject) => store.get('sid-1', (e, s) => (e ? reject(e) : resolve(s))));
        assert.ok(read);
        await t.db.schema.dropTable('lms_sessions');
        const errors = await Promise.all([
          new Promise((resolve) => store.get('sid-1', (e) => resolve(e))),
          new Promise((resolve) => store.set('sid-2', { cookie } as never, (e) => resolve(e))),
          new Promise((resolve) => store.destroy('sid-1', (e) => resolve(e))),
          new Promise((resolve) => store.touch('sid-1', { cookie } as never, (e) => resolve(e))),
        ]);
        for (const error of errors) assert.ok(error instanceof Error, 'each call reports the failure through its callback');
      } finally {
        await t.drop();
      }
    });
  });
}
