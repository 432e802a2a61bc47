import { AuditLog } from '../plugin/audit/auditLog.ts';
import { UserSessions } from '../plugin/credentials/userSessions.ts';
import { type CliCommand, requirePositionals, UsageError } from '../adapters/cli/cliCommand.ts';
import { existingUser } from '../adapters/cli/mfaCommands.ts';
import { CLI_ACTOR } from '../adapters/cli/settingsCommands.ts';
import { createUser, setUserSuspended } from './users.ts';

// The LMS's own commands: its users live in its tables, which the Host contract does not
// write (a host creates and suspends accounts its own way). Registered by the reference
// site's CLI (lmsCli.ts), not part of the generic one.

function requiredOption(command: CliCommand, options: Record<string, string | boolean | undefined>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${command.name}: --${name} is required; usage: mfa-bridge ${command.name} ${command.arguments}`);
  }
  return value;
}

export const userAdd: CliCommand = {
  name: 'user add',
  arguments: '<username> --email <email> --password <password> [--admin]',
  summary: 'creates an LMS user (--admin: a site administrator)',
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    admin: { type: 'boolean', default: false },
  },
  migrations: 'host',
  async run({ db, args, out }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const email = requiredOption(this, args.options, 'email');
    const password = requiredOption(this, args.options, 'password');
    const isAdmin = args.options.admin === true;
    await createUser(db, { username, email, password, isAdmin });
    out(`Added ${isAdmin ? 'administrator' : 'user'} ${username} <${email}>.`);
  },
};

export const userSuspend: CliCommand = {
  name: 'user suspend',
  arguments: '<username>',
  summary: 'suspends a user: they cannot log in, and every browser and API session of theirs ends at once (audited)',
  options: {},
  migrations: 'host',
  async run({ db, args, out, host }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const user = await existingUser(host, username);
    const changed = await setUserSuspended(db, user.id, true);
    // Ended even when the account was already suspended: a session left by an earlier, partial suspension goes too.
    const sessions = new UserSessions({ db, host, audit: new AuditLog(db), now: Date.now });
    const ended = await sessions.endAll(user.id, { cause: 'account_suspended', actor: CLI_ACTOR });
    out(`${changed ? 'Suspended' : 'Already suspended:'} ${user.username}; ${ended.webSessions + ended.apiSessions} sessions signed out.`);
  },
};

export const userReinstate: CliCommand = {
  name: 'user reinstate',
  arguments: '<username>',
  summary: 'lifts a suspension: the user can log in again (their old sessions stay ended)',
  options: {},
  migrations: 'host',
  async run({ db, args, out, host }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const user = await existingUser(host, username);
    const changed = await setUserSuspended(db, user.id, false);
    out(changed ? `Reinstated ${user.username}: they can log in again.` : `${user.username} was not suspended.`);
  },
};

export const lmsUserCommands: readonly CliCommand[] = [userAdd, userSuspend, userReinstate];
