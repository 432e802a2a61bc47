import type { Express } from 'express';
import type { Knex } from 'knex';
import { type Bridge, createBridge } from '../plugin/createBridge.ts';
import { createMfaPlugin, type MfaPlugin } from '../plugin/createMfaPlugin.ts';
import type { AnyFactorProviderFactory } from '../plugin/spi/factor.ts';
import type { MailMessage } from '../plugin/spi/host.ts';
import { createBridgeApi } from '../adapters/bridge/createBridgeApi.ts';
import { createMfaAdmin } from '../adapters/express/admin/createMfaAdmin.ts';
import { createMfaApi } from '../adapters/express/api/createMfaApi.ts';
import { createMfaTokenDoor } from '../adapters/express/token/createMfaTokenDoor.ts';
import { createMfaWebDoor } from '../adapters/express/web/createMfaWebDoor.ts';
import { passwordCheckHook } from '../adapters/express/passwordCheckHook.ts';
import { createLmsSite } from './createLmsSite.ts';
import { LmsHost } from './lmsHost.ts';
import { mobileAppPolicy } from './mobileAppPolicy.ts';
import type { PasswordHashing } from './passwordHashing.ts';
import { LMS_API_SCOPES, siteApiRoutes } from './siteApiRoutes.ts';

/** Everything the site is built from that comes from outside: the process's environment, or a test's. */
export interface SiteParts {
  /** A migrated database (migrateSite). */
  db: Knex;
  siteName: string;
  /** The site's public address (Moodle's wwwroot): in mails, launch.php's site hash, the https rules. */
  origin: string;
  /**
   * Session and trusted-device cookies marked Secure. A site at an https address wants
   * them; a test that serves an https address over plain http turns them off.
   * @default origin starts with https:
   */
  secureCookies?: boolean;
  /** MFA_SECRET_KEY. */
  secretKey: Buffer;
  /** MFA_OLD_SECRET_KEYS: accepted to decrypt and check, never to make anything new. @default [] */
  oldSecretKeys?: readonly Buffer[];
  /** SESSION_SECRET. */
  sessionSecret: string;
  sendMail(message: MailMessage): Promise<void>;
  /** The plugin's clock (tests move it); Date.now by default. */
  now?: () => number;
  /** The operator's log: errors, outages. Never a secret. */
  log: (line: string) => void;
  /** The site's factors (built-in and MFA_FACTORS, already migrated). @default the built-in ones */
  factors?: readonly AnyFactorProviderFactory[];
  /** How passwords are hashed; tests pass cheaper parameters to stay fast. @default SITE_PASSWORD_HASHING */
  passwordHashing?: PasswordHashing;
}

export interface WiredSite {
  app: Express;
  plugin: MfaPlugin;
  host: LmsHost;
  /** The bridge API's core (/bridge/v1): its clients, and the plugin serving other platforms' users. */
  bridge: Bridge;
}

/**
 * The reference site, wired: the host (LMS), the MFA plugin dropped into it through its
 * hooks (web door, token door, JSON API, admin pages, the Moodle app's sign-in). The one
 * place this happens: `npm start` (buildSite) and every test build the site here, so the
 * site the tests run is the site users get.
 */
export function wireSite(parts: SiteParts): WiredSite {
  const { db, log } = parts;
  const secureCookies = parts.secureCookies ?? parts.origin.startsWith('https:');
  const host = new LmsHost(db, { siteName: parts.siteName, origin: parts.origin, sendMail: (message) => parts.sendMail(message), passwordHashing: parts.passwordHashing, log });
  const plugin = createMfaPlugin({ db, host, secretKey: parts.secretKey, oldSecretKeys: parts.oldSecretKeys, now: parts.now, identityTokenScopes: LMS_API_SCOPES, log, factors: parts.factors });
  // Other platforms (Keycloak) reach the same engine, factors and tables through /bridge/v1, with users of
  // their own or, for a client whose users are the LMS's (user source "site"), the LMS's users themselves.
  const bridge = createBridge({ db, secretKey: parts.secretKey, oldSecretKeys: parts.oldSecretKeys, siteName: parts.siteName, siteOrigin: parts.origin, sendMail: (message) => parts.sendMail(message), now: parts.now, log, factors: parts.factors, siteUsers: host });
  const bridgeApi = createBridgeApi({ bridge, log });
  const door = createMfaWebDoor({ plugin, homePath: '/my', secureCookies });
  const app = createLmsSite({
    db,
    host,
    config: { siteName: parts.siteName, secureCookies },
    sessionSecret: parts.sessionSecret,
    hooks: {
      mount: (app) => [door, createMfaAdmin({ plugin, bridgeClients: bridge.clients })].forEach((part) => part.mount(app)),
      checkPassword: passwordCheckHook(plugin),
      checkBrowserPassword: door.checkPassword,
      csrfExempt: door.csrfExempt,
      afterPasswordLogin: door.afterPasswordLogin,
      sessionUser: door.sessionUser,
      ...createMfaTokenDoor({ plugin }),
      mountApi: (app) => {
        createMfaApi({ plugin, hostRoutes: siteApiRoutes(host), log }).mount(app);
        bridgeApi.mount(app);
      },
      mobileApp: mobileAppPolicy(plugin),
    },
    log,
  });
  return { app, plugin, host, bridge };
}
