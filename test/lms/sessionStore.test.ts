import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type session from 'express-session';
import { KnexSessionStore, storedSessionKey } from '../../adapters/express/knexSessionStore.ts';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../lms/createLmsSite.ts';
import { migrateSite } from '../../lms/migrateSite.ts';
import { lmsTables } from '../../lms/migrations/001_lms_tables.ts';
import { runMigrations } from '../../plugin/store/migrationSource.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';

function call<T>(work: (done: (error: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => work((error, value) => (error ? reject(error) : resolve(value))));
}

const HOUR = 3600_000;

for (const kind of databaseKinds) {
  describe(`the session store on ${kind}`, () => {
    it('ends a logged-in session at its absolute lifetime, however active it stays', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        const start = Date.UTC(2026, 0, 5, 8, 0, 0);
        let now = start;
        const store = new KnexSessionStore({ db: t.db, absoluteTtlMs: SESSION_ABSOLUTE_MS, now: () => now });
        // The rolling cookie: each request pushes the idle end SESSION_IDLE_MS ahead.
        const data = (at: number) => ({ cookie: { originalMaxAge: SESSION_IDLE_MS, expires: new Date(at + SESSION_IDLE_MS) }, userId: '7', loggedInAt: start }) as unknown as session.SessionData;
        await call((done) => store.set('active-sid', data(now), done));
        for (let hour = 1; hour < 24; hour++) {
          now = start + hour * HOUR;
          assert.ok(await call((done) => store.get('active-sid', done)), `still in after ${hour} h of use`);
          await call((done) => store.touch('active-sid', data(now), done));
        }
        now = start + SESSION_ABSOLUTE_MS;
        assert.equal(await call((done) => store.get('active-sid', done)), null, 'ended at 24 h although used every hour');
        // An anonymous session (no loggedInAt) has only the idle limit.
        await call((done) => store.set('anonymous-sid', { cookie: { originalMaxAge: SESSION_IDLE_MS, expires: new Date(now + SESSION_IDLE_MS) } } as never, done));
        now += SESSION_IDLE_MS - 1;
        assert.ok(await call((done) => store.get('anonymous-sid', done)));
      } finally {
        await t.drop();
      }
    });

    it('writes a touch only when it moves the stored expiry by more than touchAfterMs, never past what the cookie says', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        let now = Date.UTC(2026, 0, 5, 8, 0, 0);
        const store = new KnexSessionStore({ db: t.db, now: () => now, touchAfterMs: 60_000 });
        const data = () => ({ cookie: { originalMaxAge: SESSION_IDLE_MS, expires: new Date(now + SESSION_IDLE_MS) }, userId: '7' }) as unknown as session.SessionData;
        const storedExpiry = async () => Number((await t.db('lms_sessions').where({ sid: storedSessionKey('busy-sid') }).first('expires_at'))?.expires_at);
        await call((done) => store.set('busy-sid', data(), done));
        const written = await storedExpiry();
        now += 30_000;
        await call((done) => store.get('busy-sid', done));
        await call((done) => store.touch('busy-sid', data(), done));
        assert.equal(await storedExpiry(), written, 'a page 30 s later writes nothing');
        now += 31_000;
        await call((done) => store.touch('busy-sid', data(), done));
        assert.equal(await storedExpiry(), now + SESSION_IDLE_MS, 'past a minute the expiry moves');
        // A store that never read the row (another app instance) writes its touch.
        const other = new KnexSessionStore({ db: t.db, now: () => now, touchAfterMs: 60_000 });
        now += 1_000;
        await call((done) => other.touch('busy-sid', data(), done));
        assert.equal(await storedExpiry(), now + SESSION_IDLE_MS);
      } finally {
        await t.drop();
      }
    });

    it('writes a save of the contents it last wrote or read only when they changed; what another instance wrote is never skipped over', async () => {
      const t = await createTestDatabase(kind);
      try {
        await migrateSite(t.db);
        let now = Date.UTC(2026, 0, 5, 8, 0, 0);
        const store = new KnexSessionStore({ db: t.db, now: () => now, touchAfterMs: 60_000 });
        const data = (fields: Record<string, unknown>) => ({ cookie: { originalMaxAge: SESSION_IDLE_MS, expires: new Date(now + SESSION_IDLE_MS) }, userId: '7', ...fields }) as unknown as session.SessionData;
        const stored = async () => JSON.parse(String((await t.db('lms_sessions').where({ sid: storedSessionKey('step-sid') }).first('sess'))?.sess)) as Record<string, unknown>;
        let writes = 0;
        const count = () => writes++;
        t.db.on('query', (q: { sql: string }) => {
          if (/^\s*(insert|update)/i.test(q.sql) && q.sql.includes('lms_sessions')) count();
        });
        await call((done) => store.set('step-sid', data({ mfa: 'pending' }), done));
        assert.equal(writes, 1);
        // A door saves before it answers; express-session saves the same again at the end of the response.
        now += 5;
        await call((done) => store.set('step-sid', data({ mfa: 'pending' }), done));
        assert.equal(writes, 1, 'the same contents a moment later: no second write');
        await call((done) => store.set('step-sid', data({ mfa: 'passed' }), done));
        assert.equal(writes, 2, 'changed contents are written');
        assert.equal((await stored()).mfa, 'passed');
        // Another instance writes other contents; this one, having read them, goes back to its own: written.
        const other = new KnexSessionStore({ db: t.db, now: () => now, touchAfterMs: 60_000 });
        await call((done) => other.set('step-sid', data({ mfa: 'pending' }), done));
        await call((done) => store.get('step-sid', done));
        await call((done) => store.set('step-sid', data({ mfa: 'passed' }), done));
        assert.equal((await stored()).mfa, 'passed', 'contents changed elsewhere since are written over, as before');
        // A destroyed session is written again by a save, as before (express-session's regenerate saves the new id).
        await call((done) => store.destroy('step-sid', done));
        await call((done) => store.set('step-sid', data({ mfa: 'passed' }), done));
        assert.equal((await stored()).mfa, 'passed');
        // Past touchAfterMs the same contents are written, to move the stored expiry.
        const before = writes;
        now += 61_000;
        await call((done) => store.set('step-sid', data({ mfa: 'passed' }), done));
        assert.equal(writes, before + 1);
      } finally {
        await t.drop();
      }
    });

    it('migration 002 hashes the ids of existing sessions and records their user, so nobody is logged out', async () => {
      const t = await createTestDatabase(kind);
      try {
        await runMigrations(t.db, [lmsTables], 'lms_migrations');
        const live = JSON.stringify({ cookie: { originalMaxAge: SESSION_IDLE_MS }, userId: '42' });
        await t.db('lms_sessions').insert([
          { sid: 'clear-sid-of-a-user', sess: live, expires_at: Date.now() + HOUR },
          { sid: 'clear-sid-expired', sess: live, expires_at: Date.now() - HOUR },
          { sid: 'clear-sid-anonymous', sess: '{"cookie":{}}', expires_at: Date.now() + HOUR },
        ]);
        await migrateSite(t.db);
        const rows = await t.db('lms_sessions').orderBy('sid').select('sid', 'user_id');
        const expected = [
          { sid: storedSessionKey('clear-sid-of-a-user'), user_id: '42' },
          { sid: storedSessionKey('clear-sid-anonymous'), user_id: null },
        ].sort((a, b) => a.sid.localeCompare(b.sid));
        assert.deepEqual(rows, expected, 'no id in clear; the expired row dropped');
        const store = new KnexSessionStore({ db: t.db });
        assert.equal((await call<session.SessionData | null>((done) => store.get('clear-sid-of-a-user', done)) as { userId?: string } | null)?.userId, '42');
      } finally {
        await t.drop();
      }
    });
  });
}
