import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LmsHost } from '../../lms/lmsHost.ts';
import { migrateSite } from '../../lms/migrateSite.ts';
import { createUser } from '../../lms/users.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { keyIdOf } from '../../plugin/crypto/keyRing.ts';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { RecoveryCodesSetup } from '../../plugin/factors/recovery-codes/index.ts';
import type { TotpSetup } from '../../plugin/factors/totp/index.ts';
import type { HostUser, MailMessage } from '../../plugin/spi/host.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';
import { pluginWithKeys, sealTotpAsBeforeSubkeys, storedTotpSecret } from '../support/keyRotation.ts';
import { TestClock } from '../support/testPlugin.ts';
import { codeFor } from '../support/totpDevice.ts';
import { runCliInProcess } from './runCliInProcess.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

const facts = { ip: '203.0.113.5', userAgent: 'test' };
const base64 = (key: Buffer) => key.toString('base64');

for (const kind of databaseKinds) {
  describe(`mfa-bridge keys rotate on ${kind}`, () => {
    let t: TestDatabase;
    const clock = new TestClock(Date.now());
    let host: LmsHost;
    /** What the site mailed, as its host was asked to send it. */
    let mailed: MailMessage[] = [];
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    let plugins: MfaPlugin[] = [];
    const plugin = (secretKey: Buffer, oldSecretKeys: Buffer[] = []) => {
      const made = pluginWithKeys({ db: t.db, host, now: clock.now }, secretKey, oldSecretKeys);
      plugins.push(made);
      return made;
    };
    const rotate = (env: NodeJS.ProcessEnv) => runCliInProcess(['keys', 'rotate'], t.url, env);

    async function userWithTotp(username: string, mfa: MfaPlugin): Promise<{ user: HostUser; secret: string }> {
      const user = await createUser(t.db, { username, email: `${username}@example.edu`, password: 'a long password', passwordHashing: TEST_PASSWORD_HASHING });
      const setup = (await mfa.enrolment.beginSetup(user, 'totp', {})) as TotpSetup;
      await mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, clock.time) }, { actor: username, ip: null });
      return { user, secret: setup.secret };
    }

    // Each test on a database of its own: none leans on what another left.
    beforeEach(async () => {
      plugins = [];
      t = await createTestDatabase(kind);
      await migrateSite(t.db);
      mailed = [];
      host = new LmsHost(t.db, { siteName: 'Key rotation', origin: 'http://localhost', sendMail: async (message) => void mailed.push(message) });
    });
    afterEach(async () => {
      await Promise.all(plugins.map((made) => made.notifications.settled()));
      await t.drop();
    });

    it('re-encrypts every secret under the new key in one pass, counts what it did, and changes nothing when run again', async () => {
      const before = plugin(oldKey);
      await before.settings.set('enabled', true, 'test');
      const ada = await userWithTotp('ada', before);
      const bob = await userWithTotp('bob', before);
      await sealTotpAsBeforeSubkeys(t.db, bob.user.id, bob.secret, oldKey);
      const codes = (await before.enrolment.beginSetup(ada.user, 'recovery_codes', {})) as RecoveryCodesSetup;
      await before.enrolment.confirmSetup(ada.user, 'recovery_codes', { setupId: codes.setupId }, { actor: 'ada', ip: null });
      const cy = await userWithTotp('cy', plugin(newKey, [oldKey]));

      const env = { MFA_SECRET_KEY: base64(newKey), MFA_OLD_SECRET_KEYS: `${base64(oldKey)}` };
      const run = await rotate(env);
      assert.deepEqual(run, {
        code: 0,
        stdout: [
          `Re-encrypted 2 secrets under the current key (key id ${keyIdOf(newKey)}); 1 already were.`,
          '10 stored code hashes (recovery codes) depend on an earlier key and cannot be re-hashed (only the hash is kept): they work while that key is in MFA_OLD_SECRET_KEYS, and move to the current key when their users make new codes.',
        ].join('\n'),
        stderr: '',
      });
      for (const { user } of [ada, bob, cy]) assert.ok((await storedTotpSecret(t.db, user.id)).startsWith(`v2:${keyIdOf(newKey)}:`), user.username);

      const again = await rotate(env);
      assert.equal(again.code, 0);
      assert.match(again.stdout, new RegExp(`^Re-encrypted 0 secrets under the current key \\(key id ${keyIdOf(newKey)}\\); 3 already were\\.`));
      const audited = await new AuditLog(t.db).recent({ event: 'keys_rotated' });
      assert.deepEqual(audited.map((row) => [row.actor, row.detail?.resealed, row.detail?.failed]), [
        ['cli', 0, 0],
        ['cli', 2, 0],
      ]);

      // The old key can go: every device opens under the new key alone.
      clock.advance(30_000);
      const after = plugin(newKey);
      for (const { user, secret } of [ada, bob, cy]) {
        const opened = await after.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(opened.outcome === 'pending');
        assert.equal((await after.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(secret, clock.time) }, facts)).outcome, 'passed', user.username);
      }
    });

    it('re-keys the browsers and networks users passed MFA from, so dropping the old key afterwards mails nobody about a “new sign-in”', async () => {
      const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
      const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
      const places = [
        { ip: '198.51.100.10', userAgent: FIREFOX },
        { ip: '2001:db8:1:2::77', userAgent: SAFARI },
      ];
      async function passFrom(mfa: MfaPlugin, who: { user: HostUser; secret: string }, place: { ip: string; userAgent: string }): Promise<void> {
        clock.advance(30_000);
        const opened = await mfa.engine.openAttempt({ user: who.user, door: 'web', facts: place });
        assert.ok(opened.outcome === 'pending');
        assert.equal((await mfa.engine.verify(opened.attempt.id, 'totp', { code: await codeFor(who.secret, clock.time) }, place)).outcome, 'passed');
        await mfa.notifications.settled();
      }
      const newSignInMails = () => mailed.filter((message) => message.subject.startsWith('New sign-in'));

      const before = plugin(oldKey);
      await before.settings.set('enabled', true, 'test');
      const users = [await userWithTotp('gil', before), await userWithTotp('hana', before)];
      for (const who of users) for (const place of places) await passFrom(before, who, place);
      assert.equal(newSignInMails().length, 2, 'each user’s second place was new once');
      assert.equal(await t.db('mfa_known_sign_ins').count({ n: '*' }).first().then((row) => Number(row?.n)), 4);

      const run = await rotate({ MFA_SECRET_KEY: base64(newKey), MFA_OLD_SECRET_KEYS: base64(oldKey) });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Re-keyed 4 known sign-ins \(browsers and networks users passed MFA from\) under the current key; 0 already were\.$/m);

      // The old key dropped: every place each user knew is still known.
      const mailsBefore = newSignInMails().length;
      const after = plugin(newKey);
      await after.settings.set('enabled', true, 'test');
      for (const who of users) for (const place of places) await passFrom(after, who, place);
      assert.deepEqual(newSignInMails().slice(mailsBefore), [], 'no “new sign-in” mail for a place the user knew');
      await passFrom(after, users[0] ?? assert.fail(), { ip: '203.0.113.9', userAgent: FIREFOX });
      assert.equal(newSignInMails().length, mailsBefore + 1, 'a place never seen is still mailed');

      const again = await rotate({ MFA_SECRET_KEY: base64(newKey) });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^Re-keyed 0 known sign-ins \(browsers and networks users passed MFA from\) under the current key; 5 already were\.$/m);
    });

    it('reports a secret under a dropped old key, leaves it as it was and exits 1 with one line, no stack trace; with the key back it goes through', async () => {
      const underOldKey = plugin(oldKey);
      const fran = await userWithTotp('fran', underOldKey);
      const codes = (await underOldKey.enrolment.beginSetup(fran.user, 'recovery_codes', {})) as RecoveryCodesSetup;
      await underOldKey.enrolment.confirmSetup(fran.user, 'recovery_codes', { setupId: codes.setupId }, { actor: 'fran', ip: null });
      const sealed = await storedTotpSecret(t.db, fran.user.id);
      const [device] = await t.db('mfa_user_factors').where({ user_id: fran.user.id, factor: 'totp' }).select('id');
      const run = await rotate({ MFA_SECRET_KEY: base64(newKey) });
      assert.equal(run.code, 1);
      assert.deepEqual(run.stdout.split('\n'), [
        `Re-encrypted 0 secrets under the current key (key id ${keyIdOf(newKey)}); 0 already were.`,
        '10 stored code hashes depend on a key that is no longer configured: those codes no longer work.',
        `Not re-encrypted: device ${device.id} (totp) of user ${fran.user.id}: A stored secret was sealed under a key that is not configured (key id ${keyIdOf(oldKey)}): put that key back in MFA_OLD_SECRET_KEYS.`,
      ]);
      assert.equal(
        run.stderr,
        "error: 1 secret could not be decrypted with MFA_SECRET_KEY or MFA_OLD_SECRET_KEYS and was left as it was (listed above). Put the key it was sealed with back in MFA_OLD_SECRET_KEYS and run this again, or reset those users' factors (mfa-bridge mfa reset).",
      );
      assert.equal(await storedTotpSecret(t.db, fran.user.id), sealed, 'left as it was');
      const [audited] = await new AuditLog(t.db).recent({ event: 'keys_rotated' });
      assert.equal(audited?.detail?.failed, 1);

      const restored = await rotate({ MFA_SECRET_KEY: base64(newKey), MFA_OLD_SECRET_KEYS: base64(oldKey) });
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /^Re-encrypted 1 secret under the current key .*; 0 already were\./);
      assert.ok((await storedTotpSecret(t.db, fran.user.id)).startsWith(`v2:${keyIdOf(newKey)}:`));
    });

    it('a bridge client key under a dropped key: advises MFA_OLD_SECRET_KEYS, not re-making the client (Keycloak holds its secret), and exits 1; with the key back it goes through', async () => {
      const made = await runCliInProcess(['bridge', 'client', 'add', 'keycloak-live', '--platform', 'keycloak'], t.url, { MFA_SECRET_KEY: base64(oldKey) });
      assert.equal(made.code, 0, made.stderr);
      const run = await rotate({ MFA_SECRET_KEY: base64(newKey) });
      assert.equal(run.code, 1, 'a key left behind is a failed rotation');
      const line = run.stdout.split('\n').find((text) => text.includes('keycloak-live'));
      assert.equal(
        line,
        `Not re-encrypted: the key of bridge client keycloak-live: A stored secret was sealed under a key that is not configured (key id ${keyIdOf(oldKey)}): put that key back in MFA_OLD_SECRET_KEYS.`,
      );
      assert.doesNotMatch(run.stdout + run.stderr, /revoke|make the client again/, 'never the advice that breaks a live Keycloak');
      assert.match(run.stderr, /^error: 1 secret could not be decrypted with MFA_SECRET_KEY or MFA_OLD_SECRET_KEYS .*Put the key it was sealed with back in MFA_OLD_SECRET_KEYS and run this again/);

      const restored = await rotate({ MFA_SECRET_KEY: base64(newKey), MFA_OLD_SECRET_KEYS: base64(oldKey) });
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /^Re-encrypted 1 bridge client key under the current key\.$/m);
    });

    it('refuses a malformed old key, or no key in production, naming the variable, and touches nothing', async () => {
      const bad = await rotate({ MFA_SECRET_KEY: base64(newKey), MFA_OLD_SECRET_KEYS: `${base64(oldKey)},not-a-key` });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^error: Key 2 of MFA_OLD_SECRET_KEYS must be 32 random bytes written as base64 or hex\. Make one with/);
      const none = await rotate({ NODE_ENV: 'production' });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^error: MFA_SECRET_KEY is required when NODE_ENV=production/);
      assert.equal((await new AuditLog(t.db).recent({ event: 'keys_rotated' })).length, 0, 'no rotation was recorded');
    });
  });
}
