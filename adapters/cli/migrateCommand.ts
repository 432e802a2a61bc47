import { migrateSite } from '../lms/migrateSite.ts';
import { type CliCommand, requirePositionals } from './cliCommand.ts';

/** The CLI migrates before every command anyway; this one exists to do only that (e.g. in a deploy step). */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  arguments: '',
  summary: 'creates or updates the plugin and LMS tables',
  options: {},
  migrations: 'site',
  async run({ db, args, out }) {
    requirePositionals(this, args, []);
    await migrateSite(db);
    out('The database is up to date.');
  },
};
