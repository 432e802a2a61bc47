import type { Knex } from 'knex';
import type { AdminDependencies } from '../../plugin/admin/index.ts';
import { resetUserFactors, unlockUserFactors } from '../../plugin/admin/index.ts';
import { clearPasswordThrottle } from '../../plugin/admin/clearPasswordThrottle.ts';
import { purgeExpired } from '../../plugin/admin/purgeExpired.ts';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { MfaError } from '../../plugin/errors.ts';
import { loadManifest } from '../../plugin/manifest/manifest.ts';
import { SettingsStore } from '../../plugin/settings/settingsStore.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { type CliCommand, type CliHost, requirePositionals } from './cliCommand.ts';
import { CLI_ACTOR } from './settingsCommands.ts';

/** What the audit log keeps when the admin gave no --reason: at least that it came from a shell. */
export const CLI_DEFAULT_REASON = 'Reset from the command line (no reason given)';

/** The admin tools over the bare database and the host's users: no mailer or secret key needed to rescue a locked-out site. */
export function adminDependencies(db: Knex, host: CliHost): AdminDependencies {
  const audit = new AuditLog(db);
  const manifest = loadManifest();
  return { db, audit, settings: new SettingsStore(db, manifest.settings, audit), factors: manifest.factors, host, now: Date.now };
}

/** The user the command names, found by the host; a clear refusal (exit 1) when there is none. */
export async function existingUser(host: CliHost, username: string): Promise<HostUser> {
  const user = await host.findUserByUsername(username);
  if (!user) throw new MfaError('NOT_FOUND', `There is no user "${username}".`);
  return user;
}

function factorOption(options: Record<string, string | boolean | undefined>): string | undefined {
  return typeof options.factor === 'string' ? options.factor : undefined;
}

export const mfaReset: CliCommand = {
  name: 'mfa reset',
  arguments: '<username> [--factor <id>] [--reason "..."] [--keep-tokens]',
  summary: "removes a user's devices of one factor (or all, trusted browsers too) and their lock, signs them out everywhere and revokes their tokens (--keep-tokens: not the tokens); audited with the reason",
  options: { factor: { type: 'string' }, reason: { type: 'string' }, 'keep-tokens': { type: 'boolean', default: false } },
  migrations: 'host',
  async run({ db, args, out, host }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const user = await existingUser(host, username);
    const reason = typeof args.options.reason === 'string' ? args.options.reason : CLI_DEFAULT_REASON;
    const factor = factorOption(args.options);
    const revokeTokens = args.options['keep-tokens'] !== true;
    const result = await resetUserFactors(adminDependencies(db, host), { userId: user.id, factor, reason, actor: CLI_ACTOR, revokeTokens });
    const what = factor ? `${factor} of ${user.username}` : `all factors of ${user.username}`;
    const sessions = result.webSessionsEnded + result.apiSessionsEnded;
    const tokens = revokeTokens ? `${result.identityTokensRevoked + result.serviceTokensRevoked} tokens revoked` : 'tokens kept';
    out(`Reset ${what}: ${result.devicesRemoved} devices removed, ${result.trustedDevicesRevoked} trusted browsers revoked, ${sessions} sessions signed out, ${tokens}.`);
  },
};

export const mfaUnlock: CliCommand = {
  name: 'mfa unlock',
  arguments: '<username> [--factor <id>]',
  summary: "unlocks a user's locked factor (or all factors, and lets their password be tried again from every address); the devices stay; audited",
  options: { factor: { type: 'string' } },
  migrations: 'host',
  async run({ db, args, out, host }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const user = await existingUser(host, username);
    const deps = adminDependencies(db, host);
    const factor = factorOption(args.options);
    const unlocked = await unlockUserFactors(deps, { userId: user.id, factor, actor: CLI_ACTOR });
    const passwordCounters = factor ? 0 : await clearPasswordThrottle(deps, { username: user.username, userId: user.id, actor: CLI_ACTOR });
    const what = [...unlocked, ...(passwordCounters > 0 ? ['password guessing limits'] : [])];
    out(what.length > 0 ? `Unlocked for ${user.username}: ${what.join(', ')}.` : `Nothing of ${user.username}'s was locked.`);
  },
};

export const DEFAULT_PURGE_DAYS = 30;

export const mfaPurge: CliCommand = {
  name: 'mfa purge',
  arguments: '[--days <n>]',
  summary: `deletes MFA attempts, API sessions and identity tokens that ended more than n days ago (default ${DEFAULT_PURGE_DAYS}), and stale password-guessing counters; the audit log stays`,
  options: { days: { type: 'string' } },
  migrations: 'host',
  async run({ db, args, out, host }) {
    const raw = typeof args.options.days === 'string' ? args.options.days : String(DEFAULT_PURGE_DAYS);
    if (!/^\d{1,5}$/.test(raw)) throw new MfaError('INVALID_INPUT', `--days takes a whole number of days, e.g. --days ${DEFAULT_PURGE_DAYS}.`);
    const result = await purgeExpired(adminDependencies(db, host), { olderThanDays: Number(raw), actor: CLI_ACTOR });
    out(
      `Purged ${result.attempts} attempts, ${result.apiSessions} API sessions and ${result.identityTokens} identity tokens that ended more than ${raw} days ago, and ${result.passwordGuesses} password-guessing counters no limit uses any more.`,
    );
  },
};

export const mfaCommands: readonly CliCommand[] = [mfaReset, mfaUnlock, mfaPurge];
