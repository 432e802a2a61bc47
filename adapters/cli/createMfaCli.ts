import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { KeyRing, parseOldSecretKeys, parseSecretKey } from '../../plugin/crypto/keyRing.ts';
import { isMfaError, MfaError } from '../../plugin/errors.ts';
import { withBridgeUsers } from '../../plugin/bridge/withBridgeUsers.ts';
import { parseFactorModuleList, siteFactors } from '../../plugin/loadFactorModules.ts';
import type { AnyFactorProviderFactory } from '../../plugin/spi/factor.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { DEFAULT_DATABASE_URL, isDatabaseUnavailable, openDatabase, redactUrl } from '../../plugin/store/openDatabase.ts';
import { type CliCommand, type CliHost, type CommandArgs, UsageError } from './cliCommand.ts';
import { bridgeCommands } from './bridgeCommands.ts';
import { keysCommands } from './keysCommands.ts';
import { migrateCommand } from './migrateCommand.ts';
import { mfaCommands } from './mfaCommands.ts';
import { settingsCommands } from './settingsCommands.ts';

/** Exit codes: 2 for a command line not understood, 3 when the database cannot be reached. */
export const EXIT_CODES = { ok: 0, refused: 1, usage: 2, databaseUnreachable: 3 } as const;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo = (): CliIo => ({
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});

export interface MfaCliOptions {
  /** The host's users over the command's database: look-ups, and its sessions and app tokens for a reset. */
  host(db: Knex): CliHost;
  /** The database the site uses, as the site reads it. @default DATABASE_URL, else the embedded SQLite file */
  databaseUrl?(env: NodeJS.ProcessEnv, cwd: string): string;
  /** Brings the host's tables and the plugin's (with the factors' own) up to date, before commands that need the host's. @default the plugin's migrations only */
  migrate?(db: Knex, factors: readonly AnyFactorProviderFactory[]): Promise<unknown>;
  /** The site's factors: the built-in ones and any it loads (MFA_FACTORS), for their settings and tables. @default the built-in ones and MFA_FACTORS */
  factors?(env: NodeJS.ProcessEnv, cwd: string): Promise<readonly AnyFactorProviderFactory[]>;
  /** The site's keys (MFA_SECRET_KEY, MFA_OLD_SECRET_KEYS) as the site reads them; asked only by `keys rotate`. @default from the environment; MFA_SECRET_KEY required */
  secretKeys?(env: NodeJS.ProcessEnv, cwd: string): KeyRing;
  /** The host's own commands (the reference site: `user add`, `user suspend`...), listed after `migrate`. */
  commands?: readonly CliCommand[];
}

export interface MfaCli {
  /** Every command, the host's included. */
  readonly commands: readonly CliCommand[];
  usageText(): string;
  /** Runs one command line and returns the exit code (EXIT_CODES). */
  run(argv: readonly string[], io?: CliIo): Promise<number>;
}

/** MFA_SECRET_KEY (required) and MFA_OLD_SECRET_KEYS from the environment. */
export function secretKeysFromEnvironment(env: NodeJS.ProcessEnv): KeyRing {
  if (!env.MFA_SECRET_KEY) throw new MfaError('CONFIGURATION', 'MFA_SECRET_KEY is not set: give the key the site runs with (and its old keys in MFA_OLD_SECRET_KEYS).');
  return new KeyRing(parseSecretKey(env.MFA_SECRET_KEY), parseOldSecretKeys(env.MFA_OLD_SECRET_KEYS));
}

/**
 * The admin command line for a host: the plugin's commands (settings, reset, unlock,
 * purge, key rotation) over the host's users, plus the host's own. The host passes what
 * only it knows: its users (`Host`), its database, its migrations, its keys.
 *
 * @example
 * const cli = createMfaCli({ host: (db) => myHost(db), migrate: async (db) => { await migratePlugin(db); await migrateMine(db); } });
 * process.exitCode = await cli.run(process.argv.slice(2));
 */
export function createMfaCli(options: MfaCliOptions): MfaCli {
  const commands: readonly CliCommand[] = [migrateCommand, ...(options.commands ?? []), ...settingsCommands, ...mfaCommands, ...keysCommands, ...bridgeCommands];
  const databaseUrlOf = options.databaseUrl ?? ((env) => env.DATABASE_URL || DEFAULT_DATABASE_URL);
  const migrateHost = options.migrate ?? migratePlugin;
  const secretKeysOf = options.secretKeys ?? secretKeysFromEnvironment;
  const factorsOf = options.factors ?? ((env: NodeJS.ProcessEnv, cwd: string) => siteFactors(parseFactorModuleList(env.MFA_FACTORS), cwd));

  const usageText = () =>
    [
      'usage: mfa-bridge <command> [arguments]',
      '',
      ...commands.flatMap(commandUsage),
      '  mfa-bridge help',
      '      this list; `mfa-bridge <command> --help` shows one command',
      '',
      `The database is DATABASE_URL (default ${DEFAULT_DATABASE_URL}, relative to the current directory);`,
      'its tables are created or updated before each command.',
      'Exit codes: 0 done, 1 refused (the message says why), 2 command line not understood, 3 database unreachable.',
    ].join('\n');

  async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
    const first = argv[0];
    if (first === undefined || first === 'help' || isHelpFlag(first)) {
      io.out(usageText());
      return EXIT_CODES.ok;
    }
    let databaseUrl = io.env.DATABASE_URL || DEFAULT_DATABASE_URL;
    const unreachable = () => {
      io.err(`error: cannot reach the database at ${redactUrl(databaseUrl)}`);
      return EXIT_CODES.databaseUnreachable;
    };
    let db: Knex | undefined;
    try {
      const line = readCommandLine(commands, argv);
      if ('helpFor' in line) {
        io.out(['usage:', ...line.helpFor.flatMap(commandUsage)].join('\n'));
        return EXIT_CODES.ok;
      }
      const { run: command, rest } = line;
      const args = parseCommandArgs(command, rest);
      // The site's own reading of the environment, so the CLI and the site open the same database.
      databaseUrl = databaseUrlOf(io.env, io.cwd);
      try {
        db = openDatabase(databaseUrl, io.cwd);
        routeKnexWarnings(db, io.err);
        await db.raw('select 1');
      } catch (error) {
        if (isMfaError(error)) throw error;
        return unreachable();
      }
      const factors = await factorsOf(io.env, io.cwd);
      await (command.migrations === 'host' ? migrateHost(db, factors) : migratePlugin(db, factors));
      await command.run({ db, args, out: io.out, host: withBridgeUsers(options.host(db), db), secretKeys: () => secretKeysOf(io.env, io.cwd), factors });
      return EXIT_CODES.ok;
    } catch (error) {
      if (error instanceof UsageError) {
        io.err(`error: ${error.message}`);
        return EXIT_CODES.usage;
      }
      if (isMfaError(error, 'DATABASE_UNAVAILABLE') || isDatabaseUnavailable(error)) return unreachable();
      if (isMfaError(error)) {
        io.err(`error: ${error.message}`);
        return EXIT_CODES.refused;
      }
      io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
      return EXIT_CODES.refused;
    } finally {
      await db?.destroy();
    }
  }

  return { commands, usageText, run };
}

function commandUsage(command: CliCommand): string[] {
  return [`  mfa-bridge ${command.name} ${command.arguments}`.trimEnd(), `      ${command.summary}`];
}

const isHelpFlag = (arg: string | undefined) => arg === '--help' || arg === '-h';

/** What a command line asks for: one command to run, or the usage of some. */
type CommandLine = { run: CliCommand; rest: string[] } | { helpFor: readonly CliCommand[] };

/** Reads the command `argv` names (its words removed from the front), or throws a UsageError saying what is accepted. */
function readCommandLine(cliCommands: readonly CliCommand[], argv: readonly string[]): CommandLine {
  for (const command of cliCommands) {
    const words = command.name.split(' ');
    if (!words.every((word, i) => argv[i] === word)) continue;
    const rest = argv.slice(words.length);
    // Before `--`, a help flag anywhere asks for this command's usage; after it, it is a value.
    const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    return options.some(isHelpFlag) ? { helpFor: [command] } : { run: command, rest };
  }
  const [first = '', second] = argv;
  const group = cliCommands.filter((c) => c.name.startsWith(`${first} `));
  if (group.length > 0 && isHelpFlag(second)) return { helpFor: group };
  if (group.length > 0) {
    const choices = group.map((c) => c.name.slice(first.length + 1)).join(', ');
    const what = second === undefined ? 'needs a subcommand' : `has no subcommand "${second}"`;
    throw new UsageError(`${first} ${what}; use one of: ${choices}. See: mfa-bridge help`);
  }
  const names = [...new Set(cliCommands.map((c) => c.name.split(' ')[0]))].join(', ');
  throw new UsageError(`unknown command "${first}"; the commands are: ${names}, help. See: mfa-bridge help`);
}

function parseCommandArgs(command: CliCommand, rest: string[]): CommandArgs {
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return { positionals, options: values as CommandArgs['options'] };
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--emial'"; add what the command accepts.
    const reason = error instanceof Error ? error.message.split('. ')[0] : String(error);
    throw new UsageError(`${command.name}: ${reason}; usage: mfa-bridge ${command.name} ${command.arguments}`.trimEnd());
  }
}

/**
 * knex prints pool warnings to standard output, where a script reads our answers. Send
 * them to standard error instead, except the failed connection, which we report ourselves
 * in one line.
 */
function routeKnexWarnings(db: Knex, err: (line: string) => void): void {
  const logger = (db.client as { logger: { warn: (message: unknown) => void } }).logger;
  logger.warn = (message) => {
    const text = String(message);
    if (!text.startsWith('Acquire connection error')) err(`warning: ${text}`);
  };
}
