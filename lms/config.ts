import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseFactorModuleList } from '../plugin/loadFactorModules.ts';
import { MfaError } from '../plugin/errors.ts';
import { KeyRing, parseOldSecretKeys, parseSecretKey } from '../plugin/crypto/keyRing.ts';
import { DEFAULT_DATABASE_URL } from '../plugin/store/openDatabase.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../plugin/store/privateFiles.ts';

export interface SiteConfig {
  databaseUrl: string;
  port: number;
  siteName: string;
  /** e.g. http://localhost:3000; no trailing slash. */
  origin: string;
  smtpUrl: string | undefined;
  production: boolean;
  dataDir: string;
  adminPassword: string | undefined;
  /** MFA_FACTORS: third-party factors to load (package names or folder paths), after the built-in ones. @default none */
  factorModules?: string[];
  /** Where relative MFA_FACTORS paths and package names are resolved from. @default process.cwd() */
  cwd?: string;
}

/** The reference site's configuration, from the environment (docs/settings.md, "Configuration"). */
export function readSiteConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SiteConfig {
  const portText = env.PORT ?? '3000';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new MfaError('CONFIGURATION', `PORT "${portText}" is not a port number (0-65535).`);
  const port = Number(portText);
  const origin = (env.SITE_ORIGIN ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(origin);
  } catch {
    throw new MfaError('CONFIGURATION', `SITE_ORIGIN "${origin}" is not a URL; write it like https://lms.example.edu`);
  }
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    port,
    siteName: env.SITE_NAME || 'mfa-bridge demo LMS',
    origin,
    smtpUrl: env.SMTP_URL || undefined,
    production: env.NODE_ENV === 'production',
    dataDir: join(cwd, 'data'),
    adminPassword: env.ADMIN_PASSWORD || undefined,
    factorModules: parseFactorModuleList(env.MFA_FACTORS),
    cwd,
  };
}

/**
 * Reads a generated secret from `data/<file>`, making it once (mode 0600, in an owner-only
 * folder) when absent. Only outside production: there the keys come from the environment,
 * because a key in the database's own folder protects nothing against a copy of that folder.
 */
function generatedSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  ensurePrivateDir(dataDir);
  const value = randomBytes(32).toString('base64');
  writeFileSync(path, `${value}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  chmodSync(path, PRIVATE_FILE_MODE);
  return value;
}

/**
 * MFA_SECRET_KEY: the master key every secret at rest and every keyed hash derives from.
 * Required in production (a key that lives next to the database protects nothing against
 * a stolen disk); elsewhere one is generated into data/secret.key and reused, so `npm
 * start` just works.
 */
export function loadSecretKey(env: NodeJS.ProcessEnv, dataDir: string): Buffer {
  if (env.MFA_SECRET_KEY) return parseSecretKey(env.MFA_SECRET_KEY);
  if (env.NODE_ENV === 'production') {
    throw new MfaError('CONFIGURATION', 'MFA_SECRET_KEY is required when NODE_ENV=production. Make one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"');
  }
  return parseSecretKey(generatedSecret(dataDir, 'secret.key'));
}

/** MFA_OLD_SECRET_KEYS: keys from before a rotation, comma-separated; they only decrypt and check, never make anything new. */
export function loadOldSecretKeys(env: NodeJS.ProcessEnv): Buffer[] {
  return parseOldSecretKeys(env.MFA_OLD_SECRET_KEYS);
}

/** MFA_SECRET_KEY and MFA_OLD_SECRET_KEYS as the site reads them (for the command line's `keys rotate`). */
export function loadKeyRing(env: NodeJS.ProcessEnv, dataDir: string): KeyRing {
  return new KeyRing(loadSecretKey(env, dataDir), loadOldSecretKeys(env));
}

/** SESSION_SECRET signs session cookies; generated into data/session.secret outside production. */
export function loadSessionSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  if (env.NODE_ENV === 'production') throw new MfaError('CONFIGURATION', 'SESSION_SECRET is required when NODE_ENV=production (any long random string).');
  return generatedSecret(dataDir, 'session.secret');
}
