// The app's own users, as it had them before MFA: a table and scrypt password hashes.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt);

export async function createUsersTable(db) {
  if (await db.schema.hasTable('users')) return;
  await db.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 100).notNullable().unique();
    t.string('email', 254).notNullable();
    t.string('password_hash', 200).notNullable();
  });
}

export async function addUser(db, { username, email, password }) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  await db('users').insert({ username, email, password_hash: `${salt.toString('hex')}:${hash.toString('hex')}` }).onConflict('username').ignore();
}

export async function checkPassword(db, username, password) {
  const row = await db('users').where({ username }).first();
  if (!row) return null;
  const [salt, stored] = row.password_hash.split(':');
  const hash = await scryptAsync(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(hash, Buffer.from(stored, 'hex')) ? row : null;
}
