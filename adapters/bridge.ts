/**
 * `mfa-bridge/bridge`: the bridge API (`/bridge/v1`) a Node host serves to platforms that
 * are not Node, such as the Keycloak provider. `createBridge` builds the bridge's core (its
 * own plugin over the site's database, so the platforms' users get the same factors,
 * lockout and audit) and `createBridgeApi` mounts its signed routes. Mount them before the
 * host's cookies and sessions: callers authenticate by signature, never by cookie. Its
 * clients are made with the `mfa-bridge bridge client add` command (`mfa-bridge/cli`) or
 * on the admin pages (`createMfaAdmin({ plugin, bridgeClients: bridge.clients })`).
 *
 * @example
 * import { createBridge, createBridgeApi } from 'mfa-bridge/bridge';
 * const bridge = createBridge({ db, secretKey, siteName: 'My site', siteOrigin: 'https://example.org', sendMail, siteUsers: host });
 * createBridgeApi({ bridge }).mount(app); // /bridge/v1, before app.use(session(...))
 */
export { type Bridge, type BridgeOptions, createBridge } from '../plugin/createBridge.ts';
export { BRIDGE_BASE, createBridgeApi } from './bridge/createBridgeApi.ts';
export type { BridgeClient, BridgeClients, UserSource } from '../plugin/bridge/bridgeClients.ts';
export type { SiteUserLookup } from '../plugin/bridge/platformUsers.ts';
