import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';
import type { Knex } from 'knex';
import type { MfaPlugin } from '../plugin/createMfaPlugin.ts';
import { siteFactors } from '../plugin/loadFactorModules.ts';
import { isMfaError } from '../plugin/errors.ts';
import { openDatabase, redactUrl } from '../plugin/store/openDatabase.ts';
import { createMailer, type Mailer } from '../adapters/mail/createMailer.ts';
import { loadOldSecretKeys, loadSecretKey, loadSessionSecret, readSiteConfig, type SiteConfig } from './config.ts';
import { migrateSite } from './migrateSite.ts';
import { wireSite } from './wireSite.ts';
import { countUsers, createUser } from './users.ts';

export interface BuiltSite {
  app: Express;
  db: Knex;
  plugin: MfaPlugin;
  mailer: Mailer;
}

/**
 * The whole reference site: the host (LMS), the MFA plugin dropped into it through its
 * hooks, the mailer. Migrates first, so a fresh checkout starts on an empty database.
 */
export async function buildSite(config: SiteConfig, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.log): Promise<BuiltSite> {
  const secretKey = loadSecretKey(env, config.dataDir);
  const oldSecretKeys = loadOldSecretKeys(env);
  const sessionSecret = loadSessionSecret(env, config.dataDir);
  const factors = await siteFactors(config.factorModules ?? [], config.cwd);
  const db = openDatabase(config.databaseUrl);
  await migrateSite(db, factors);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, outboxDir: join(config.dataDir, 'outbox'), log });
  const { app, plugin } = wireSite({
    db,
    siteName: config.siteName,
    origin: config.origin,
    secretKey,
    oldSecretKeys,
    sessionSecret,
    sendMail: (message) => mailer.send(message),
    log: (line) => console.error(line),
    factors,
  });
  return { app, db, plugin, mailer };
}

/** On an empty database: an `admin` user, password from ADMIN_PASSWORD or a random one printed once. */
async function seedAdmin(db: Knex, config: SiteConfig, log: (line: string) => void): Promise<void> {
  if ((await countUsers(db)) > 0) return;
  const password = config.adminPassword ?? randomBytes(12).toString('base64url');
  await createUser(db, { username: 'admin', email: 'admin@localhost', password, isAdmin: true });
  log(config.adminPassword ? 'Created user admin with the password from ADMIN_PASSWORD.' : `Created user admin with password ${password} (shown once: change it).`);
}

export interface RunningSite extends BuiltSite {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startSite(config: SiteConfig = readSiteConfig(), env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.log): Promise<RunningSite> {
  const site = await buildSite(config, env, log);
  await seedAdmin(site.db, config, log);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = site.app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.port === 0 ? `http://localhost:${port}` : config.origin;
  return {
    ...site,
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      site.mailer.close();
      await site.db.destroy();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const config = readSiteConfig();
    const site = await startSite(config);
    console.log(`mfa-bridge reference site listening on ${site.url} (database: ${redactUrl(config.databaseUrl)})`);
    const stop = () => {
      site.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    console.error(isMfaError(error) ? error.message : error);
    process.exit(1);
  }
}
