/**
 * `mfa-bridge`: the core a host builds once: the engine, the factors, settings, audit.
 * It knows no HTTP; the doors (`mfa-bridge/express`, `mfa-bridge/passport`) take what
 * `createMfaPlugin` returns.
 *
 * @example
 * import { createMfaPlugin, migratePlugin } from 'mfa-bridge';
 * await migratePlugin(db);
 * const mfa = createMfaPlugin({ db, host, secretKey });
 */
export { builtInFactors, createMfaPlugin, type MfaPlugin, type MfaPluginOptions } from './createMfaPlugin.ts';
export type { AttemptStatus, OpenAttemptOptions, OpenAttemptResult } from './engine/mfaEngine.ts';
export type { TokenDoorPolicy } from './engine/tokenDoorPolicy.ts';
export { isMfaError, MfaError, type MfaErrorCode, type MfaErrorDetails } from './errors.ts';
export type { AccountCaller, MfaAccount, WaitingLogin } from './account/mfaAccount.ts';
export type { MfaLogin } from './login/mfaLogin.ts';
export type { AnswerOptions, ChallengeSent, ClientCredential, LoginAnswer, LoginFactor, LoginKey, LoginRef, LoginService, LoginStep, PassOffer, StartLoginOptions } from './login/loginStep.ts';
export type { Host, HostUser, MailMessage, ServiceTokenRecord } from './spi/host.ts';
export { migratePlugin } from './migratePlugin.ts';
export { type DatabaseKind, openDatabase } from './store/openDatabase.ts';
