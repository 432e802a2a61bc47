#!/usr/bin/env node
// The `mfa-bridge` admin command. In a checkout of the repository it is the reference
// site's (lms/lmsCli.ts), run from the TypeScript sources through tsx (a
// development dependency), so it never runs a stale build. Installed as a package, it
// runs the host's own CLI, built with createMfaCli from 'mfa-bridge/cli' over the host's
// users: MFA_CLI_MODULE names the module that exports it (default export).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const sources = new URL('../lms/lmsCli.ts', import.meta.url);
let cli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = (await import(sources.href)).lmsCli;
} else if (process.env.MFA_CLI_MODULE) {
  cli = (await import(pathToFileURL(resolve(process.env.MFA_CLI_MODULE)).href)).default;
} else {
  process.stderr.write(
    'mfa-bridge: this command runs your app\'s admin CLI, which knows your users.\n' +
      'Write a module whose default export is createMfaCli({ host, databaseUrl }) (from \'mfa-bridge/cli\'),\n' +
      'then run: MFA_CLI_MODULE=./mfa-cli.js npx mfa-bridge help\n',
  );
  process.exit(2);
}
process.exitCode = await cli.run(process.argv.slice(2));
