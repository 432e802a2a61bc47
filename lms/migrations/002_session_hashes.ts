import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Migration } from '../../plugin/store/migrationSource.ts';

/** The stored form of a session id (knexSessionStore.ts has the same rule; this copy is frozen with the migration). */
const sha256 = (sid: string) => createHash('sha256').update(sid).digest('hex');

/**
 * Sessions are found by the SHA-256 of their id, never the id itself: the database and
 * the cookie-signing secret together no longer let a reader forge a live cookie. Each row
 * also says whose session it is (`user_id`), so all of a user's sessions can be ended at
 * once (admin reset, suspension, "log out everywhere").
 *
 * Existing rows are kept and hashed, so nobody is logged out by the upgrade; expired ones
 * are dropped first. Done row by row in the application: SQLite has no SHA-256 in SQL.
 */
export const sessionHashes: Migration = {
  name: '002_session_hashes',
  async up(db: Knex) {
    await db.schema.alterTable('lms_sessions', (t) => {
      t.string('user_id', 64).nullable().index();
    });
    await db('lms_sessions').where('expires_at', '<=', Date.now()).delete();
    const rows: { sid: string; sess: string }[] = await db('lms_sessions').select('sid', 'sess');
    // knex runs each migration in a transaction: all rows are hashed, or none.
    for (const row of rows) {
      await db('lms_sessions').where({ sid: row.sid }).update({ sid: sha256(row.sid), user_id: userIdOf(row.sess) });
    }
  },
  async down(db: Knex) {
    // The ids cannot be recovered from their hashes: every session ends.
    await db('lms_sessions').delete();
    await db.schema.alterTable('lms_sessions', (t) => {
      t.dropIndex(['user_id']);
      t.dropColumn('user_id');
    });
  },
};

function userIdOf(sess: string): string | null {
  try {
    const userId = (JSON.parse(sess) as { userId?: unknown }).userId;
    return typeof userId === 'string' ? userId.slice(0, 64) : null;
  } catch {
    return null;
  }
}
