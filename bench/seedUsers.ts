/**
 * Users for the bench, many and fast, whatever password hash the site uses: one template
 * user is made the site's own way (createUser, its hash and cost; TOTP set up through the
 * plugin's enrolment), and the others copy its password hash and its authenticator record
 * in multi-row INSERTs. Each copy's TOTP secret is sealed again for its own user (the
 * sealing binds the row to `totp:<user id>`), so every seeded user verifies like a real
 * one; all share one authenticator key, so the load needs one code per time step (each
 * user's replay marker is still its own).
 */
import type { Knex } from 'knex';
import { createUser } from '../lms/users.ts';
import type { MfaPlugin } from '../plugin/createMfaPlugin.ts';
import { KeyRing } from '../plugin/crypto/keyRing.ts';
import { SecretBox } from '../plugin/crypto/secretBox.ts';
import { generateTotpCode, type TotpSetup } from '../plugin/factors/totp/index.ts';
import { recordSecretContext } from '../plugin/store/factorStorage/sealedFactorSecrets.ts';
import type { TotpJob } from './load/loadJob.ts';
import { BENCH_SECRET_KEY } from './benchSites.ts';

export const BENCH_PASSWORD = 'bench password, long enough';
const TEMPLATE_USERNAME = 'bench-template';

export interface UserTemplate {
  passwordHash: string;
  /** The template's confirmed TOTP row (mfa_user_factors) without id and user. */
  totpRow: Record<string, unknown>;
  totp: TotpJob;
}

/** The template user, made once per database; `stored` returns the key saved by an earlier run (the plugin shows it only at set-up). */
export async function userTemplate(db: Knex, plugin: MfaPlugin, stored?: { load(): Promise<TotpJob | null>; save(totp: TotpJob): Promise<void> }): Promise<UserTemplate> {
  let totp = (await stored?.load()) ?? null;
  if (!totp) {
    const user = await createUser(db, { username: TEMPLATE_USERNAME, email: 'bench-template@example.test', password: BENCH_PASSWORD });
    const setup = (await plugin.enrolment.beginSetup(user, 'totp', {})) as TotpSetup;
    totp = { secret: setup.secret, ...setup.parameters };
    await plugin.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await generateTotpCode({ ...totp, now: plugin.now() }) }, { actor: 'bench', ip: null });
    await stored?.save(totp);
  }
  const template = await db('lms_users').where({ username: TEMPLATE_USERNAME }).first('id', 'password_hash');
  const row = await db('mfa_user_factors').where({ user_id: String(template.id), factor: 'totp' }).whereNotNull('confirmed_at').first();
  if (!row) throw new Error('the bench template user has no TOTP record');
  const { id: _id, user_id: _user, ...totpRow } = row as Record<string, unknown>;
  return { passwordHash: template.password_hash as string, totpRow, totp };
}

export interface SeededUser {
  id: string;
  username: string;
}

/**
 * `count` users called `<prefix><n>`, n from `from`, each with the template's password
 * and (with `totp`) an authenticator set up. Returns them, ids included.
 */
export async function seedUsers(db: Knex, template: UserTemplate, options: { prefix: string; from?: number; count: number; totp: boolean; batch?: number }): Promise<SeededUser[]> {
  const box = new SecretBox(new KeyRing(BENCH_SECRET_KEY));
  const batch = options.batch ?? (db.client.config.client === 'better-sqlite3' ? 500 : 2000);
  const maxId = Number((await db('lms_users').max({ m: 'id' }).first())?.m ?? 0);
  const seeded: SeededUser[] = [];
  const data = JSON.parse(String(template.totpRow.data)) as Record<string, unknown>;
  const now = Date.now();
  for (let start = 0; start < options.count; start += batch) {
    const size = Math.min(batch, options.count - start);
    const users = Array.from({ length: size }, (_, k) => {
      const n = (options.from ?? 0) + start + k;
      return { id: maxId + 1 + start + k, username: `${options.prefix}${n}`, email: `${options.prefix}${n}@example.test`, password_hash: template.passwordHash, created_at: now };
    });
    await db.transaction(async (trx) => {
      await trx('lms_users').insert(users);
      if (!options.totp) return;
      await trx('mfa_user_factors').insert(
        users.map((u) => ({
          ...template.totpRow,
          user_id: String(u.id),
          // counter 0: the template's last accepted step must not refuse the copies' first code.
          data: JSON.stringify({ ...data, counter: 0, secret: box.seal(template.totp.secret, recordSecretContext('totp', String(u.id))) }),
          created_at: now,
          confirmed_at: now,
          last_used_at: null,
        })),
      );
    });
    for (const u of users) seeded.push({ id: String(u.id), username: u.username });
  }
  return seeded;
}
