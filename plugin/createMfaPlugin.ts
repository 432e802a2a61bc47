import type { Knex } from 'knex';
import { createMfaAdministration, type MfaAdministration } from './admin/index.ts';
import { AuditLog } from './audit/auditLog.ts';
import { ApiSessions } from './credentials/apiSessions.ts';
import { IdentityTokens } from './credentials/identityTokens.ts';
import { UserSessions } from './credentials/userSessions.ts';
import { keyedHash } from './crypto/keyedHash.ts';
import { KeyRing } from './crypto/keyRing.ts';
import { SecretBox } from './crypto/secretBox.ts';
import { AttemptStore } from './engine/attemptStore.ts';
import { FactorEnrolment } from './engine/factorEnrolment.ts';
import { FactorRegistry } from './engine/factorRegistry.ts';
import { FailureCounter } from './engine/failureCounter.ts';
import { MfaEngine } from './engine/mfaEngine.ts';
import { PasswordLogins } from './engine/passwordLogins.ts';
import { MfaLogin } from './login/mfaLogin.ts';
import { MfaAccount } from './account/mfaAccount.ts';
import { builtInFactors } from './factors/index.ts';
import { buildManifest } from './manifest/buildManifest.ts';
import type { PluginManifest } from './manifest/manifest.ts';
import { type SecurityNotifications, startSecurityNotifications } from './notifications/index.ts';
import { SettingsStore } from './settings/settingsStore.ts';
import { RateLimits } from './store/rateLimits.ts';
import { SealedFactorSecrets } from './store/factorStorage/sealedFactorSecrets.ts';
import type { AnyFactorProviderFactory, RequestFacts } from './spi/factor.ts';
import type { Host } from './spi/host.ts';

export { builtInFactors };

export interface MfaPluginOptions {
  db: Knex;
  host: Host;
  /**
   * 32 bytes (MFA_SECRET_KEY): the master key. Never used directly: each purpose (secret
   * encryption, each kind of keyed hash) gets its own subkey derived from it with HKDF.
   */
  secretKey: Buffer;
  /**
   * Keys used before a rotation (MFA_OLD_SECRET_KEYS): accepted to decrypt and to check
   * hashes, never to make new ones. Secrets move to `secretKey` on use and by
   * `mfa-bridge keys rotate`. @default []
   */
  oldSecretKeys?: readonly Buffer[];
  /**
   * The site's factors, in registration order: the built-in ones and any loaded from
   * configuration (loadFactorModules). Their settings join the plugin's. @default builtInFactors
   */
  factors?: readonly AnyFactorProviderFactory[];
  /** The clock, in epoch milliseconds; tests move it. */
  now?: () => number;
  /**
   * The scopes the host's API routes check (name → what it allows, shown to users when they
   * make a token). Identity tokens may carry only these. @default {}
   */
  identityTokenScopes?: Readonly<Record<string, string>>;
  /** Where the plugin reports what it cannot do (a security mail not sent): one line each, nothing secret. @default console.error */
  log?: (line: string) => void;
}

export interface MfaPlugin {
  /** This site's manifest: the plugin's settings and hooks, and its registered factors with their settings. */
  manifest: PluginManifest;
  settings: SettingsStore;
  audit: AuditLog;
  engine: MfaEngine;
  /** The login protocol: one call per user step (start, answer, challenge, status, finish), for every door and host. */
  login: MfaLogin;
  /** A user's own factors, one call per step (set up, confirm, rename, remove), behind the recent-pass rule. */
  account: MfaAccount;
  enrolment: FactorEnrolment;
  registry: FactorRegistry;
  /** Long-lived, scoped tokens for unattended clients (no MFA at use). */
  identityTokens: IdentityTokens;
  /** The scopes identity tokens may carry (from the host), name → description. */
  identityTokenScopes: Readonly<Record<string, string>>;
  /** Sessions of the JSON API door. */
  apiSessions: ApiSessions;
  /**
   * All of a user's sessions, browser and API. A host that suspends an account calls
   * `sessions.endAll(userId, { cause: 'account_suspended', actor })`.
   */
  sessions: UserSessions;
  /** Counters for limits that span requests (emails per user per hour). */
  rateLimits: RateLimits;
  /** The password check of every door, behind the password-guessing throttle. */
  passwordLogins: PasswordLogins;
  /** Reset, unlock, factor report: the admin pages' tools. */
  admin: MfaAdministration;
  /** Mails users about security events on their account (factor added or removed, new sign-in...). */
  notifications: SecurityNotifications;
  now: () => number;
}

/**
 * Builds the plugin's core over a migrated database and a host. Doors (adapters/)
 * take what this returns; nothing here knows HTTP.
 *
 * @example
 * const mfa = createMfaPlugin({ db, host, secretKey });
 * const opened = await mfa.engine.openAttempt({ user, door: 'web', facts: { ip, userAgent } });
 */
export function createMfaPlugin(options: MfaPluginOptions): MfaPlugin {
  const now = options.now ?? Date.now;
  const factors = options.factors ?? builtInFactors;
  const manifest = buildManifest(factors);
  const audit = new AuditLog(options.db, now);
  const settings = new SettingsStore(options.db, manifest.settings, audit, now);
  const keys = new KeyRing(options.secretKey, options.oldSecretKeys);
  const secretBox = new SecretBox(keys);
  const attempts = new AttemptStore(options.db);
  const sessions = new UserSessions({ db: options.db, host: options.host, audit, now });
  // The engine's verify reaches factors late: the engine is built over this registry.
  const verifyAnswer = (attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts): Promise<unknown> => engine.verify(attemptId, factorId, input, facts);
  const registry = new FactorRegistry(factors, { db: options.db, host: options.host, audit, secretBox, keys, attempts, sessions, verifyAnswer, now });
  const engine = new MfaEngine({
    host: options.host,
    settings,
    audit,
    registry,
    attempts,
    failures: new FailureCounter(options.db, now),
    sealedSecrets: new SealedFactorSecrets(options.db, keys),
    now,
  });
  const enrolment = new FactorEnrolment(registry, settings, audit);
  const identityTokens = new IdentityTokens(options.db, audit, now);
  const admin = createMfaAdministration({ db: options.db, host: options.host, audit, settings, enrolment, factors: registry.all(), now });
  const notifications = startSecurityNotifications({
    audit,
    host: options.host,
    db: options.db,
    signInHash: keyedHash(keys, 'known-sign-in'),
    factorName: (id) => registry.all().find((factory) => factory.id === id)?.displayName ?? 'A way to verify',
    addedMail: (id) => registry.all().find((factory) => factory.id === id)?.addedMail,
    now,
    log: options.log ?? ((line) => console.error(line)),
  });
  const login = new MfaLogin({ engine, registry, settings, now });
  const account = new MfaAccount({ settings, engine, enrolment, audit, registry, login, now });
  return {
    manifest,
    settings,
    audit,
    engine,
    login,
    account,
    enrolment,
    registry,
    identityTokens,
    identityTokenScopes: options.identityTokenScopes ?? {},
    apiSessions: new ApiSessions(options.db, now),
    sessions,
    rateLimits: new RateLimits(options.db),
    passwordLogins: new PasswordLogins({ db: options.db, host: options.host, settings, keys, now }),
    admin,
    notifications,
    now,
  };
}
