import { isDatabaseUnavailable } from '../../plugin/store/openDatabase.ts';

/**
 * True when the database answers but a table or column the code needs is not there:
 * code deployed before `npx mfa-bridge migrate` ran, or a table dropped by hand. To a
 * visitor that is an outage like any other (503, try again), not a bug in the request.
 */
export function isSchemaMissing(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR') return true;
  return code === 'SQLITE_ERROR' && typeof message === 'string' && /no such (table|column)/.test(message);
}

/** The database cannot serve this request now: the doors answer 503 and the client may retry. */
export function isDatabaseOutage(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isSchemaMissing(error);
}

/** The driver's own words for a query error, without the SQL and values knex puts in front of them. */
export function driverMessage(error: Error): string {
  const { sqlMessage } = error as Error & { sqlMessage?: unknown };
  if (typeof sqlMessage === 'string') return sqlMessage;
  // knex appends the driver's message after " - "; the part before it is the filled-in SQL.
  const cut = error.message.lastIndexOf(' - ');
  return cut >= 0 ? error.message.slice(cut + 3) : error.message;
}

/**
 * True for an error a database driver raised, whose message knex may have filled with the
 * query's values: told by the driver's own marks (mysql2's `sqlState`/`sqlMessage`, its
 * `ER_` codes, sqlite3's `SQLITE_` codes), not by "has a string code" — zlib, the file
 * system and the network have string codes too, and are no database error.
 */
export function isDriverError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code, sqlState, sqlMessage } = error as { code?: unknown; sqlState?: unknown; sqlMessage?: unknown };
  if (typeof code !== 'string') return false;
  if (isDatabaseUnavailable(error)) return true;
  return typeof sqlState === 'string' || typeof sqlMessage === 'string' || /^(ER_|SQLITE_)/.test(code);
}

/**
 * One log line for an error, without the values a query carried. knex writes the SQL
 * with its bindings inlined into `message` (and mysql2 into `sql`): for the session
 * table that is the session id and the session's contents, for others token hashes or
 * an email address. The driver's own message ("no such table: lms_sessions") is kept.
 */
export function errorLogLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (!isDriverError(error)) return error.stack ?? `${error.name}: ${error.message}`;
  const schemaHint = isSchemaMissing(error) ? ' (run the migrations: npx mfa-bridge migrate)' : '';
  // The stack's first line repeats the message (with the values); the frames are safe and say where.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [`database error ${error.code}: ${driverMessage(error)}${schemaHint}`, ...frames].join('\n');
}
