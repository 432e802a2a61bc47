import type { Knex } from 'knex';
import { createMfaPlugin, type MfaPlugin } from './createMfaPlugin.ts';
import { KeyRing } from './crypto/keyRing.ts';
import { SecretBox } from './crypto/secretBox.ts';
import type { FactorProviderFactory } from './spi/factor.ts';
import type { MailMessage } from './spi/host.ts';
import { BridgeClients } from './bridge/bridgeClients.ts';
import { BridgeHost } from './bridge/bridgeHost.ts';
import { BridgeNonces } from './store/bridgeNonces.ts';
import { BridgeUsers } from './bridge/bridgeUsers.ts';
import { PlatformUsers, type SiteUserLookup } from './bridge/platformUsers.ts';

export interface BridgeOptions {
  /** The site's migrated database: the bridge's users share its MFA tables (factors, lockout, audit, settings). */
  db: Knex;
  /** MFA_SECRET_KEY (and MFA_OLD_SECRET_KEYS), as the site's plugin gets them. */
  secretKey: Buffer;
  oldSecretKeys?: readonly Buffer[];
  siteName: string;
  siteOrigin: string;
  sendMail(message: MailMessage): Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
  /** The site's factors, so a platform's users are offered the same ones. */
  factors?: readonly FactorProviderFactory[];
  /** The site's users, for clients whose users are the site's (`user_source = site`). */
  siteUsers?: SiteUserLookup;
}

/** The bridge's core: its own plugin (engine, factors, enrolment) over its own Host, and its clients. */
export interface Bridge {
  /** The plugin as it serves the platforms' users: the same tables, settings and rules as the site's. */
  plugin: MfaPlugin;
  /** The plugin's Host: finds the platforms' users and, for linked clients, the site's. */
  host: BridgeHost;
  clients: BridgeClients;
  nonces: BridgeNonces;
  users: BridgeUsers;
  /** Who a platform's user is to the engine: the site's user or the platform's own. */
  platformUsers: PlatformUsers;
}

/**
 * Builds the bridge for platforms that are not Node (issue 14). Its users are the
 * platforms' (provisioned on first sight through BridgeHost) or the site's own (a client
 * whose users are the site's, platformUsers.ts), so one engine, one set of
 * factors, one lockout and one audit serve them as they serve the site's own users.
 */
export function createBridge(options: BridgeOptions): Bridge {
  const now = options.now ?? Date.now;
  const users = new BridgeUsers(options.db, now);
  const siteUsers = options.siteUsers ?? null;
  const host = new BridgeHost({ users, siteUsers, siteName: options.siteName, siteOrigin: options.siteOrigin, sendMail: (message) => options.sendMail(message) });
  const plugin = createMfaPlugin({ db: options.db, host, secretKey: options.secretKey, oldSecretKeys: options.oldSecretKeys, now, log: options.log, factors: options.factors });
  const box = new SecretBox(new KeyRing(options.secretKey, options.oldSecretKeys), 'bridge/client-signing-key');
  return { plugin, host, clients: new BridgeClients(options.db, () => box, plugin.audit, now), nonces: new BridgeNonces(options.db), users, platformUsers: new PlatformUsers(users, siteUsers) };
}
