import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Owner read/write only: the database and the outbox hold codes' hashes, secrets sealed with the site key, session data, mail with codes. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only, for the folders we create to hold them. */
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and its parents) owner-only when it does not exist; a folder the operator made is left as it is. */
export function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Makes the SQLite file (and the -wal/-shm files beside it, if an earlier run left them)
 * owner-only before the driver opens it. SQLite creates -wal and -shm with the database
 * file's own permissions (sqlite.org/src os_unix.c findCreateFileMode), so a 0600
 * database keeps its journals 0600 too.
 */
export function preparePrivateSqliteFile(path: string): void {
  ensurePrivateDir(dirname(path));
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
