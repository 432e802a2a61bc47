import { createUser } from '../lms/users.ts';
import { type CliCommand, requirePositionals, UsageError } from './cliCommand.ts';

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
  migrations: 'site',
  async run({ db, args, out }) {
    const [username = ''] = requirePositionals(this, args, ['username']);
    const email = requiredOption(this, args.options, 'email');
    const password = requiredOption(this, args.options, 'password');
    const isAdmin = args.options.admin === true;
    await createUser(db, { username, email, password, isAdmin });
    out(`Added ${isAdmin ? 'administrator' : 'user'} ${username} <${email}>.`);
  },
};

export const userCommands: readonly CliCommand[] = [userAdd];
