import type { Knex } from 'knex';
import { createMfaPlugin, type MfaPlugin } from '../createMfaPlugin.ts';
import { KeyRing } from '../crypto/keyRing.ts';
import { SecretBox } from '../crypto/secretBox.ts';
import type { FactorProviderFactory } from '../spi/factor.ts';
import type { MailMessage } from '../spi/host.ts';
import { BridgeClients } from './bridgeClients.ts';
import { BridgeHost } from './bridgeHost.ts';
import { BridgeNonces } from './bridgeNonces.ts';
import { BridgeUsers } from './bridgeUsers.ts';

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
}

/** The bridge's core: its own plugin (engine, factors, enrolment) over its own Host, and its clients. */
export interface Bridge {
  /** The plugin as it serves the platforms' users: the same tables, settings and rules as the site's. */
  plugin: MfaPlugin;
  clients: BridgeClients;
  nonces: BridgeNonces;
  users: BridgeUsers;
}

/**
 * Builds the bridge for platforms that are not Node (issue 14). Its users are the
 * platforms' (provisioned on first sight through BridgeHost), so one engine, one set of
 * factors, one lockout and one audit serve them as they serve the site's own users.
 */
export function createBridge(options: BridgeOptions): Bridge {
  const now = options.now ?? Date.now;
  const users = new BridgeUsers(options.db, now);
  const host = new BridgeHost({ users, siteName: options.siteName, siteOrigin: options.siteOrigin, sendMail: (message) => options.sendMail(message) });
  const plugin = createMfaPlugin({ db: options.db, host, secretKey: options.secretKey, oldSecretKeys: options.oldSecretKeys, now, log: options.log, factors: options.factors });
  const box = new SecretBox(new KeyRing(options.secretKey, options.oldSecretKeys), 'bridge/client-signing-key');
  return { plugin, clients: new BridgeClients(options.db, () => box, plugin.audit, now), nonces: new BridgeNonces(options.db), users };
}
