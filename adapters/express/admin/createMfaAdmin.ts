import { type Express, Router } from 'express';
import type { BridgeClients } from '../../../plugin/bridge/bridgeClients.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { requirePassedMfa } from '../web/mfaGate.ts';
import { adminOnly } from './adminAccess.ts';
import { bridgeClientRoutes } from './bridgeClientRoutes.ts';
import { reportRoutes } from './reportRoutes.ts';
import { settingsRoutes } from './settingsRoutes.ts';
import { userRoutes } from './userRoutes.ts';

export interface MfaAdminOptions {
  plugin: MfaPlugin;
  /** @default '/login' */
  loginPath?: string;
  /** The bridge API's clients (/bridge/v1): listed, added and revoked at /admin/mfa/bridge. Without them, no such page. */
  bridgeClients?: BridgeClients;
}

export interface MfaAdmin {
  /** Mounts `/admin/mfa/*`; call it after the web door's mount, so the MFA gate stands in front. */
  mount(app: Express): void;
}

/** The MFA admin pages under `/admin/mfa`: settings, users (reset, unlock), factor report. Admins only. */
export function createMfaAdmin(options: MfaAdminOptions): MfaAdmin {
  const { plugin } = options;
  const router = Router();
  // The admin pages do not trust the gate alone: a redirect exclusion must never let a
  // password-only admin switch MFA off (issue 11 finding 9).
  router.use(requirePassedMfa(plugin), adminOnly(plugin, options.loginPath ?? '/login'));
  router.get('/', (_req, res) => res.redirect(302, '/admin/mfa/settings'));
  router.use(settingsRoutes(plugin), userRoutes(plugin), reportRoutes(plugin));
  if (options.bridgeClients) router.use(bridgeClientRoutes(options.bridgeClients));
  return {
    mount(app) {
      app.use('/admin/mfa', router);
    },
  };
}
