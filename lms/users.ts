import type { Knex } from 'knex';
import { MfaError } from '../plugin/errors.ts';
import type { HostUser } from '../plugin/spi/host.ts';
import { dummyPasswordHash, hashPassword, type PasswordHashing, SITE_PASSWORD_HASHING, verifyPassword } from './passwordHashing.ts';

interface UserRow {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  suspended: number | boolean;
  is_admin: number | boolean;
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  isAdmin?: boolean;
  /** How the password is hashed; tests pass cheaper parameters to stay fast. @default SITE_PASSWORD_HASHING */
  passwordHashing?: PasswordHashing;
}

const USERNAME = /^[a-z0-9._@-]{1,100}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$/;

function toHostUser(row: UserRow): HostUser {
  return { id: String(row.id), username: row.username, email: row.email, suspended: Boolean(row.suspended), isAdmin: Boolean(row.is_admin) };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export async function createUser(db: Knex, user: NewUser): Promise<HostUser> {
  const username = user.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new MfaError('INVALID_INPUT', 'A username is 1 to 100 characters: lowercase letters, digits and . _ @ -', { field: 'username' });
  if (!EMAIL.test(user.email)) throw new MfaError('INVALID_INPUT', `"${user.email}" is not an email address.`, { field: 'email' });
  if (user.password.length < 8) throw new MfaError('INVALID_INPUT', 'A password needs at least 8 characters.', { field: 'password' });
  const taken = () => new MfaError('INVALID_INPUT', `There is already a user called ${username}.`, { field: 'username' });
  if (await db('lms_users').where({ username }).first('id')) throw taken();
  const passwordHash = await hashPassword(user.password, user.passwordHashing ?? SITE_PASSWORD_HASHING);
  let id: number | undefined;
  try {
    [id] = await db('lms_users').insert({ username, email: user.email, password_hash: passwordHash, is_admin: user.isAdmin ?? false, suspended: false, created_at: Date.now() });
  } catch (error) {
    // Two creations of one name at once both pass the check above; the unique index decides.
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
  return { id: String(id), username, email: user.email, suspended: false, isAdmin: user.isAdmin ?? false };
}

export async function findUserById(db: Knex, id: string): Promise<HostUser | null> {
  if (!/^\d+$/.test(id)) return null;
  const row = await db<UserRow>('lms_users').where({ id: Number(id) }).first();
  return row ? toHostUser(row) : null;
}

export async function findUserByUsername(db: Knex, username: string): Promise<HostUser | null> {
  const row = await db<UserRow>('lms_users').where({ username: username.trim().toLowerCase() }).first();
  return row ? toHostUser(row) : null;
}

/** Users whose username or email contains `text`, by username; LIKE's wildcards in `text` match only themselves. */
export async function searchUsers(db: Knex, text: string, limit: number): Promise<HostUser[]> {
  const pattern = `%${text.trim().toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  const rows = await db<UserRow>('lms_users')
    .whereRaw("lower(username) like ? escape '!'", [pattern])
    .orWhereRaw("lower(email) like ? escape '!'", [pattern])
    .orderBy('username')
    .limit(limit);
  return rows.map(toHostUser);
}

export interface PasswordCheckOptions {
  /** The hash every password should have; a right password stored otherwise is rehashed to it. @default SITE_PASSWORD_HASHING */
  passwordHashing?: PasswordHashing;
  /** Where a rehash that could not be stored is reported (never a password or a hash). @default console.error */
  log?: (line: string) => void;
}

/**
 * The user when the password is right and the account is not suspended; else null.
 * A right password whose stored hash is older (bcrypt, or other Argon2 parameters) is
 * rehashed and stored on the way, so users move to the current hash as they log in.
 */
export async function checkPassword(db: Knex, username: string, password: string, options: PasswordCheckOptions = {}): Promise<HostUser | null> {
  const hashing = options.passwordHashing ?? SITE_PASSWORD_HASHING;
  const row = await db<UserRow>('lms_users').where({ username: username.trim().toLowerCase() }).first();
  // An unknown name is checked against a hash made like a real one, so it takes as long as a wrong password.
  const stored = row?.password_hash ?? (await dummyPasswordHash(hashing));
  const { verified, needsRehash } = await verifyPassword(stored, password, hashing);
  if (!row || !verified || row.suspended) return null;
  if (needsRehash) await storeRehashedPassword(db, { userId: row.id, verifiedHash: row.password_hash }, password, { passwordHashing: hashing, log: options.log });
  return toHostUser(row);
}

/**
 * Stores a new hash of `password`, which was just verified against `verifiedHash`. Best
 * effort: the old hash stays valid until the new one is written, in one UPDATE, so a
 * failure loses nothing and the next login tries again; it is logged, never thrown. Only
 * a row still holding `verifiedHash` is changed, so a password changed meanwhile is not
 * overwritten with the old one.
 */
export async function storeRehashedPassword(db: Knex, stored: { userId: number; verifiedHash: string }, password: string, options: PasswordCheckOptions = {}): Promise<void> {
  try {
    const passwordHash = await hashPassword(password, options.passwordHashing ?? SITE_PASSWORD_HASHING);
    await db('lms_users').where({ id: stored.userId, password_hash: stored.verifiedHash }).update({ password_hash: passwordHash });
  } catch (error) {
    // The error's code only: a database error's message quotes the statement, new hash included.
    const code = (error as { code?: unknown } | null)?.code;
    (options.log ?? console.error)(
      `lms: user ${stored.userId} logged in, but their password's new hash was not stored (${typeof code === 'string' ? code : 'error'}); the old hash still works and the next login tries again.`,
    );
  }
}

export async function countUsers(db: Knex): Promise<number> {
  const row = await db('lms_users').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Suspends the account (or reinstates it): a suspended user cannot log in, and every
 * page refuses their sessions. Returns false when nothing changed (no such user, or
 * already so). Ending the sessions that exist is the caller's next step:
 * `plugin.sessions.endAll(userId, { cause: 'account_suspended', actor })`, which also
 * ends the plugin's API sessions, so none comes back to life on reinstatement.
 */
export async function setUserSuspended(db: Knex, userId: string, suspended: boolean): Promise<boolean> {
  if (!/^\d+$/.test(userId)) return false;
  return (await db('lms_users').where({ id: Number(userId), suspended: !suspended }).update({ suspended })) > 0;
}
