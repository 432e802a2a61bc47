import { type CliCommand, requirePositionals } from './cliCommand.ts';

/** The CLI migrates before every command anyway (the host's migrations); this one exists to do only that (e.g. in a deploy step). */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  arguments: '',
  summary: "creates or updates the database tables (the plugin's and the host's)",
  options: {},
  migrations: 'host',
  async run({ args, out }) {
    requirePositionals(this, args, []);
    out('The database is up to date.');
  },
};
