import { isAbsolute, resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import { MfaError } from '../errors.ts';
import { preparePrivateSqliteFile } from './privateFiles.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:data/mfa.sqlite';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface DatabaseLocation {
  kind: DatabaseKind;
  /** The SQLite file path (absolute), or the MySQL URL. */
  target: string;
}

/**
 * Reads `DATABASE_URL`: `sqlite:PATH` (relative to `cwd`, or absolute; `sqlite::memory:` for tests)
 * or `mysql://user:pass@host:port/db`. Anything else is a configuration error that says what is accepted.
 */
export function parseDatabaseUrl(url: string = DEFAULT_DATABASE_URL, cwd = process.cwd()): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new MfaError('CONFIGURATION', 'DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:data/mfa.sqlite');
    if (path === ':memory:') return { kind: 'sqlite', target: ':memory:' };
    return { kind: 'sqlite', target: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    return { kind: 'mysql', target: url.replace(/^mariadb:/, 'mysql:') };
  }
  throw new MfaError(
    'CONFIGURATION',
    `DATABASE_URL "${redactUrl(url)}" is not understood. Use sqlite:PATH (e.g. sqlite:data/mfa.sqlite) or mysql://user:pass@host:3306/dbname.`,
  );
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Opens a knex connection pool for `DATABASE_URL`. The caller destroys it. */
export function openDatabase(url: string = DEFAULT_DATABASE_URL, cwd = process.cwd()): Knex {
  const location = parseDatabaseUrl(url, cwd);
  if (location.kind === 'sqlite') {
    // The file holds session data, sealed secrets and hashes: readable by the site's account alone.
    if (location.target !== ':memory:') preparePrivateSqliteFile(location.target);
    return knex({
      client: 'better-sqlite3',
      // Errors carry the driver's message, never the query's values (session contents, codes' hashes).
      compileSqlOnError: false,
      connection: { filename: location.target },
      useNullAsDefault: true,
      // One writer at a time is SQLite's nature; a single pooled connection makes
      // transactions serialise instead of failing with SQLITE_BUSY.
      pool: {
        min: 1,
        max: 1,
        afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
          connection.pragma('journal_mode = WAL');
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
          done(null, connection);
        },
      },
    });
  }
  return knex({
    client: 'mysql2',
    compileSqlOnError: false,
    connection: { uri: location.target, charset: 'utf8mb4', timezone: 'Z', connectTimeout: 5000 } as Knex.MySql2ConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 5000,
  });
}

export function databaseKind(db: Knex): DatabaseKind {
  return db.client.config.client === 'mysql2' ? 'mysql' : 'sqlite';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
]);

/**
 * True when an error means "the database cannot be reached or cannot take this now":
 * the doors answer 503 and the client may retry, instead of a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, name, message, fatal } = error as { code?: unknown; name?: unknown; message?: unknown; fatal?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR'))) return true;
  // mysql2 marks errors that end the connection `fatal`, some with no code at all: a query
  // (e.g. a transaction's ROLLBACK) sent on a connection the server just dropped gets
  // "Can't add new command when connection is in closed state".
  if (fatal === true) return true;
  if (name === 'KnexTimeoutError') return true;
  if (typeof message === 'string' && /The database connection is not open|Pool is destroyed|Unable to acquire a connection/i.test(message)) return true;
  return false;
}
