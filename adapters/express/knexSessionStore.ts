import { createHash } from 'node:crypto';
import session from 'express-session';
import type { Knex } from 'knex';
import { driverMessage, isDriverError } from './databaseErrors.ts';

export interface KnexSessionStoreOptions {
  db: Knex;
  tableName?: string;
  /** Lifetime of a session whose cookie sets none (ms). */
  defaultTtlMs?: number;
  /**
   * The most a logged-in session lives, counted from its `loggedInAt` (ms since the epoch,
   * set at the password login), however active it stays. Without it, no absolute limit.
   */
  absoluteTtlMs?: number;
  now?: () => number;
  /**
   * A touch (express-session extends an unchanged session's expiry on every request)
   * writes only when it moves the stored expiry by more than this (ms): like connect-mongo's
   * `touchAfter`. A busy session then costs no write per page; its idle end is at most this
   * much earlier than the cookie's. 0 writes every touch. @default 60_000
   */
  touchAfterMs?: number;
}

/** Expiries this process last read or wrote, by stored key; cleared when it grows past this many. */
const KNOWN_EXPIRIES_MAX = 10_000;

export const DEFAULT_SESSION_TABLE = 'lms_sessions';

/**
 * The key a session is stored under: the SHA-256 of its id. Whoever reads the table (a
 * backup, an SQL injection elsewhere) learns no live id, so the table plus the signing
 * secret no longer forge a cookie. The id has 144 random bits: no salt or slow hash needed.
 */
export function storedSessionKey(sid: string): string {
  return createHash('sha256').update(sid).digest('hex');
}

/**
 * Ends every stored session of `userId` but the one whose id is `except`; returns how many
 * ended. The next request of each finds no session and is anonymous again.
 */
export async function endStoredUserSessions(db: Knex, userId: string, options: { except?: string; tableName?: string } = {}): Promise<number> {
  const query = db(options.tableName ?? DEFAULT_SESSION_TABLE).where({ user_id: userId });
  if (options.except !== undefined) query.whereNot({ sid: storedSessionKey(options.except) });
  return query.delete();
}

/** The logged-in user a session belongs to, for the `user_id` column; anonymous sessions have none. */
function sessionUserId(data: session.SessionData): string | null {
  const userId = (data as { userId?: unknown }).userId;
  return typeof userId === 'string' && userId.length <= 64 ? userId : null;
}

type Callback = (error?: unknown) => void;

/**
 * A database error from the store with the query's values taken out of it: express-session
 * hands a failed save to Express after the response has gone, and Express logs the whole
 * error, which knex had filled with the session id and the session's contents. The driver's
 * `code` stays, so the doors still tell an outage (503) from a bug.
 */
export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
  readonly code: string;
  constructor(operation: string, error: Error & { code: string }) {
    super(`session store could not ${operation}: ${driverMessage(error)}`);
    this.code = error.code;
  }
}

/**
 * express-session's store over knex. Every database error goes to the callback, never
 * thrown and never left as an unhandled rejection: a database outage must become a
 * 503 for one request, not a dead process (connect-session-knex rethrows, which crashes).
 */
export class KnexSessionStore extends session.Store {
  private readonly db: Knex;
  private readonly table: string;
  private readonly defaultTtlMs: number;
  private readonly absoluteTtlMs: number | undefined;
  private readonly now: () => number;
  private lastCleanup = 0;
  private readonly touchAfterMs: number;
  /** The stored expires_at of sessions this process read or wrote: what a touch compares with. */
  private readonly knownExpiries = new Map<string, number>();
  /** A digest of what this process last read or wrote for each session (its cookie left out): what a save compares with. */
  private readonly writtenContents = new Map<string, string>();

  constructor(options: KnexSessionStoreOptions) {
    super();
    this.db = options.db;
    this.table = options.tableName ?? DEFAULT_SESSION_TABLE;
    this.defaultTtlMs = options.defaultTtlMs ?? 8 * 3600_000;
    this.absoluteTtlMs = options.absoluteTtlMs;
    this.now = options.now ?? Date.now;
    this.touchAfterMs = options.touchAfterMs ?? 60_000;
  }

  private remember(key: string, expiresAt: number, contents?: string): void {
    if (this.knownExpiries.size >= KNOWN_EXPIRIES_MAX) this.knownExpiries.clear();
    this.knownExpiries.set(key, expiresAt);
    if (this.writtenContents.size >= KNOWN_EXPIRIES_MAX) this.writtenContents.clear();
    if (contents === undefined) this.writtenContents.delete(key);
    else this.writtenContents.set(key, contents);
  }

  /** What a session holds, its cookie left out (express-session moves the cookie's expiry on every save). */
  private contentsDigest(data: session.SessionData): string {
    const { cookie: _cookie, ...contents } = data;
    return createHash('sha256').update(JSON.stringify(contents)).digest('base64url');
  }

  /** When a logged-in session ends however active it stays; Infinity without a limit or a login time. */
  private absoluteEnd(data: session.SessionData): number {
    const loggedInAt = (data as { loggedInAt?: unknown }).loggedInAt;
    if (this.absoluteTtlMs === undefined || typeof loggedInAt !== 'number' || !Number.isFinite(loggedInAt)) return Infinity;
    return loggedInAt + this.absoluteTtlMs;
  }

  /** The idle expiry the cookie carries (rolling), never later than the absolute end of a logged-in session. */
  private expiry(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    const idleEnd = expires ? new Date(expires).getTime() : this.now() + this.defaultTtlMs;
    return Math.min(idleEnd, this.absoluteEnd(data));
  }

  private run<T>(operation: string, work: () => Promise<T>, callback: ((error: unknown, value?: T) => void) | undefined): void {
    work().then(
      (value) => callback?.(null, value),
      // Errors without a driver code (pool destroyed, acquire timeout) carry no values and are passed on as they are.
      (error: unknown) => callback?.(isDriverError(error) ? new SessionStoreError(operation, error) : error),
    );
  }

  /** A stored session that is not valid JSON counts as none: the visitor starts afresh instead of meeting a 500. */
  private parse(text: unknown): session.SessionData | null {
    try {
      const value: unknown = JSON.parse(String(text));
      return value && typeof value === 'object' ? (value as session.SessionData) : null;
    } catch {
      return null;
    }
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    this.run('read a session', async () => {
      const key = storedSessionKey(sid);
      const row = await this.db(this.table).where({ sid: key }).first('sess', 'expires_at');
      if (!row || Number(row.expires_at) <= this.now()) return null;
      const data = this.parse(row.sess);
      // What was read is what a save compares with: contents another instance wrote since are never skipped over.
      this.remember(key, Number(row.expires_at), data ? this.contentsDigest(data) : undefined);
      // The absolute end is checked on read too: a row written before the limit existed ends on time.
      // (Not the idle end: a touch moves only expires_at, so the stored cookie's expiry is stale.)
      return data && this.absoluteEnd(data) > this.now() ? data : null;
    }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    this.run('save a session', async () => {
      const row = { sid: storedSessionKey(sid), user_id: sessionUserId(data), sess: JSON.stringify(data), expires_at: this.expiry(data) };
      const contents = this.contentsDigest(data);
      // The same contents this process just wrote, saved again: a door saves before it
      // answers, and express-session saves a new session once more at the end of the
      // response (issue 15: two writes per login step). Skipped as a touch would be:
      // only when the stored expiry is at most touchAfterMs earlier, never later.
      const known = this.knownExpiries.get(row.sid);
      if (this.writtenContents.get(row.sid) === contents && known !== undefined && row.expires_at >= known && row.expires_at - known <= this.touchAfterMs) return;
      await this.db(this.table).insert(row).onConflict('sid').merge(['user_id', 'sess', 'expires_at']);
      this.remember(row.sid, row.expires_at, contents);
      await this.cleanupNowAndThen();
    }, callback);
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    this.run('extend a session', async () => {
      const key = storedSessionKey(sid);
      const expiresAt = this.expiry(data);
      // Only ever skipped towards an earlier end: the stored expiry is never later than the cookie's.
      const known = this.knownExpiries.get(key);
      if (known !== undefined && expiresAt - known <= this.touchAfterMs) return;
      await this.db(this.table).where({ sid: key }).update({ expires_at: expiresAt });
      this.remember(key, expiresAt);
    }, callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.run('end a session', async () => {
      const key = storedSessionKey(sid);
      this.knownExpiries.delete(key);
      this.writtenContents.delete(key);
      await this.db(this.table).where({ sid: key }).delete();
    }, callback);
  }

  /** Expired rows go at most once a minute, on a write: no timer to keep the process alive. */
  private async cleanupNowAndThen(): Promise<void> {
    const now = this.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.db(this.table).where('expires_at', '<=', now).delete();
  }
}
