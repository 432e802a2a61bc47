import { createMfaCli, type MfaCli } from '../adapters/cli/createMfaCli.ts';
import { loadKeyRing, readSiteConfig } from './config.ts';
import { lmsAdminHost } from './lmsAdminHost.ts';
import { lmsUserCommands } from './lmsUserCommands.ts';
import { migrateSite } from './migrateSite.ts';

/**
 * The reference site's `mfa-bridge` command: the generic admin CLI over the LMS as its
 * host (its users, its database and keys as `npm start` reads them), plus the LMS's own
 * `user` commands. Another host builds its own with createMfaCli.
 */
export const lmsCli: MfaCli = createMfaCli({
  host: lmsAdminHost,
  databaseUrl: (env, cwd) => readSiteConfig(env, cwd).databaseUrl,
  migrate: migrateSite,
  secretKeys: (env, cwd) => loadKeyRing(env, readSiteConfig(env, cwd).dataDir),
  commands: lmsUserCommands,
});
