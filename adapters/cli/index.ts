/**
 * `mfa-bridge/cli`: the admin command line (settings, reset, unlock, purge, key rotation)
 * over the host's own users. A host builds it once and runs it from a script, or names
 * the module in MFA_CLI_MODULE for the package's `mfa-bridge` command.
 *
 * @example
 * export default createMfaCli({ host: (db) => myHost(db), databaseUrl: () => 'sqlite:app.sqlite' });
 */
export type { CliCommand } from './cliCommand.ts';
export { type CliIo, createMfaCli, EXIT_CODES, type MfaCli, type MfaCliOptions, secretKeysFromEnvironment } from './createMfaCli.ts';
