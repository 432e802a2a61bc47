import type { ParseArgsConfig } from 'node:util';
import type { Knex } from 'knex';
import type { KeyRing } from '../../plugin/crypto/keyRing.ts';
import type { Host } from '../../plugin/spi/host.ts';

/** What the command line gave a command, after its own options were parsed. */
export interface CommandArgs {
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
}

/**
 * What the command line needs of the host: its users by name and id, and (each optional,
 * as on `Host`) ending their browser sessions and revoking their app tokens for a reset.
 * A whole `Host` fits; so does a smaller object over the bare database (no mailer needed
 * to rescue a locked-out site).
 */
export type CliHost = Pick<Host, 'findUserByUsername' | 'findUserById' | 'searchUsers' | 'endUserSessions' | 'listServiceTokens' | 'revokeServiceToken'>;

/** What every command runs with; tests build one to call a command in-process. */
export interface CommandContext {
  db: Knex;
  args: CommandArgs;
  /** Prints one line to standard output. */
  out: (line: string) => void;
  /** The host's users, over `db`. */
  host: CliHost;
  /** MFA_SECRET_KEY and MFA_OLD_SECRET_KEYS, read when a command asks (only `keys rotate` does): the rest work without a key. */
  secretKeys(): KeyRing;
}

/** Which tables a command needs brought up to date before it runs: the plugin's alone, or the host's too. */
export type CommandMigrations = 'plugin' | 'host';

export interface CliCommand {
  /** The words that select it, e.g. `settings set`. */
  name: string;
  /** Arguments after the name, as shown in usage, e.g. `<name> <value>`. */
  arguments: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  migrations: CommandMigrations;
  run(context: CommandContext): Promise<void>;
}

/**
 * The command line was not understood (unknown command, missing or extra argument):
 * the message says what is accepted. Exit code 2, as for most Unix tools.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The positional arguments a command requires, or a UsageError naming the missing one. */
export function requirePositionals(command: Pick<CliCommand, 'name' | 'arguments'>, args: CommandArgs, names: readonly string[]): string[] {
  const usage = `usage: mfa-bridge ${command.name} ${command.arguments}`.trimEnd();
  if (args.positionals.length < names.length) {
    throw new UsageError(`${command.name}: missing <${names[args.positionals.length]}>; ${usage}`);
  }
  if (args.positionals.length > names.length) {
    const extra = args.positionals.slice(names.length).map((p) => `"${p}"`).join(' ');
    throw new UsageError(`${command.name}: unexpected ${extra}; ${usage} (quote a value that has spaces)`);
  }
  return args.positionals;
}
