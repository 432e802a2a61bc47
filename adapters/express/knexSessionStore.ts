import session from 'express-session';
import type { Knex } from 'knex';

export interface KnexSessionStoreOptions {
  db: Knex;
  tableName?: string;
  /** Lifetime of a session whose cookie sets none (ms). */
  defaultTtlMs?: number;
  now?: () => number;
}

type Callback = (error?: unknown) => void;

/**
 * express-session's store over knex. Every database error goes to the callback, never
 * thrown and never left as an unhandled rejection: a database outage must become a
 * 503 for one request, not a dead process (connect-session-knex rethrows, which crashes).
 */
export class KnexSessionStore extends session.Store {
  private readonly db: Knex;
  private readonly table: string;
  private readonly defaultTtlMs: number;
  private readonly now: () => number;
  private lastCleanup = 0;

  constructor(options: KnexSessionStoreOptions) {
    super();
    this.db = options.db;
    this.table = options.tableName ?? 'lms_sessions';
    this.defaultTtlMs = options.defaultTtlMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  private expiry(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + this.defaultTtlMs;
  }

  private run<T>(work: () => Promise<T>, callback: ((error: unknown, value?: T) => void) | undefined): void {
    work().then(
      (value) => callback?.(null, value),
      (error: unknown) => callback?.(error),
    );
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    this.run(async () => {
      const row = await this.db(this.table).where({ sid }).first('sess', 'expires_at');
      if (!row || Number(row.expires_at) <= this.now()) return null;
      return JSON.parse(row.sess as string) as session.SessionData;
    }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    this.run(async () => {
      const row = { sid, sess: JSON.stringify(data), expires_at: this.expiry(data) };
      await this.db(this.table).insert(row).onConflict('sid').merge(['sess', 'expires_at']);
      await this.cleanupNowAndThen();
    }, callback);
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    this.run(async () => {
      await this.db(this.table).where({ sid }).update({ expires_at: this.expiry(data) });
    }, callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.run(async () => {
      await this.db(this.table).where({ sid }).delete();
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
