// The club's own members, as it kept them before MFA: a `members` table keyed `member_id`,
// scrypt password hashes. Nothing here knows mfa-bridge.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt);

export async function createMembersTable(db) {
  if (await db.schema.hasTable('members')) return;
  await db.schema.createTable('members', (t) => {
    t.increments('member_id').primary();
    t.string('handle', 60).notNullable().unique();
    t.string('email', 254).notNullable();
    t.string('pw', 200).notNullable();
    t.string('display_name', 100).notNullable();
  });
}

export async function addMember(db, { handle, email, password, displayName }) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  const [memberId] = await db('members').insert({ handle, email, pw: `${salt.toString('hex')}:${hash.toString('hex')}`, display_name: displayName ?? handle });
  return memberId;
}

export function findMember(db, memberId) {
  return db('members').where({ member_id: Number(memberId) }).first();
}

export async function checkMemberPassword(db, handle, password) {
  const member = await db('members').where({ handle }).first();
  if (!member) return null;
  const [salt, stored] = member.pw.split(':');
  const hash = await scryptAsync(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(hash, Buffer.from(stored, 'hex')) ? member : null;
}
