/**
 * What the bench serves, all in this process, each on its own loopback port: the reference
 * site as `npm start` builds it (buildSite → wireSite), the same host without the plugin
 * (the "plugin off" baseline: same database, same session store), an Express hello-world
 * (the floor of any Express page) and an Express route doing one indexed read on the same
 * database (the floor under a code check).
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import { createLmsSite } from '../lms/createLmsSite.ts';
import { LmsHost } from '../lms/lmsHost.ts';
import { type BuiltSite, buildSite } from '../lms/start.ts';

export const BENCH_SITE_NAME = 'Bench LMS';

/**
 * The bench's keys: fixed, so a database seeded once (the million users) opens in every
 * later run. Bench databases only; never a site's.
 */
export const BENCH_SECRET_KEY = createHash('sha256').update('mfa-bridge bench only: not a site key').digest();
const BENCH_SESSION_SECRET = createHash('sha256').update('mfa-bridge bench session secret').digest('hex');

export interface Listening {
  origin: string;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<Listening> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The reference site with the plugin, over `databaseUrl` (migrated here), its mail written to `dataDir`/outbox. */
export function buildMfaSite(databaseUrl: string, dataDir: string): Promise<BuiltSite> {
  return buildSite(
    { databaseUrl, port: 0, siteName: BENCH_SITE_NAME, origin: 'http://127.0.0.1', smtpUrl: undefined, production: false, dataDir, adminPassword: undefined, factorModules: [] },
    { MFA_SECRET_KEY: BENCH_SECRET_KEY.toString('base64'), SESSION_SECRET: BENCH_SESSION_SECRET },
    () => undefined,
  );
}

/** The same host, hooks and all left out: what the site is without the plugin. */
export function buildPlainSite(db: Knex): Express {
  const host = new LmsHost(db, { siteName: BENCH_SITE_NAME, origin: 'http://127.0.0.1', sendMail: async () => undefined });
  return createLmsSite({ db, host, config: { siteName: BENCH_SITE_NAME, secureCookies: false }, sessionSecret: BENCH_SESSION_SECRET, log: console.error });
}

export function helloWorldApp(): Express {
  const app = express();
  app.get('/hello', (_req, res) => {
    res.send('Hello world');
  });
  return app;
}

/** One indexed read per request (lms_users by its unique username), answered as JSON. */
export function indexedReadApp(db: Knex): Express {
  const app = express();
  app.get('/indexed-read/:username', (req, res, next) => {
    db('lms_users')
      .where({ username: req.params.username })
      .first('id', 'username')
      .then((row) => res.json(row ?? { id: null }), next);
  });
  return app;
}
