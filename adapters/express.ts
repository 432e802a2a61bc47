/**
 * `mfa-bridge/express`: the doors, for an Express host. Each takes the plugin
 * (`createMfaPlugin` from `mfa-bridge`) and mounts on the host's app. A host with pages of
 * its own (docs/add-to-your-app.md) takes the pieces instead: the recent-pass guard, the
 * session as an account caller, CSRF, the QR code, the browser helper, the error handler.
 *
 * @example
 * const door = createMfaWebDoor({ plugin: mfa, homePath: '/' });
 * door.mount(app); // the gate, /mfa, /user/security
 */
export { createMfaAdmin, type MfaAdmin, type MfaAdminOptions } from './express/admin/createMfaAdmin.ts';
export { API_BASE, createMfaApi, type MfaApiOptions } from './express/api/createMfaApi.ts';
export { csrfProtection, type CsrfProtectionOptions, csrfToken } from './express/csrf.ts';
export { errorHandler } from './express/errorHandler.ts';
export { KnexSessionStore, type KnexSessionStoreOptions } from './express/knexSessionStore.ts';
export { createMfaTokenDoor, type MfaTokenDoor, MFA_REQUIRED_FOR_SERVICE } from './express/token/createMfaTokenDoor.ts';
export { createMfaWebDoor, type MfaWebDoor, type MfaWebDoorOptions } from './express/web/createMfaWebDoor.ts';
export { type BrowserPasswordCheckHook, type PasswordCheckHook, passwordCheckHook } from './express/passwordCheckHook.ts';
export { answerRecentPassRefusal, isRecentPassRefusal, requireRecentMfa, type RequireRecentMfaOptions, sessionCaller } from './express/web/recentMfa.ts';
export { clientIp, requestFacts } from './express/requestFacts.ts';
export type { MfaSessionMarker } from './express/webSession.ts';
export { qrCodeSvg } from '../web/qrCodeSvg.ts';
export { mfaBrowserScript, mfaBrowserScriptPath } from './express/browserScript.ts';
