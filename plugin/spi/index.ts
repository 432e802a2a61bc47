/**
 * `mfa-bridge/spi`: the contracts, for those who write a host or a factor.
 * A host implements `Host`; a factor exports a `FactorProviderFactory` (a folder or a
 * package named in MFA_FACTORS). Types only: nothing here runs.
 *
 * @example
 * import type { FactorProviderFactory, Host } from 'mfa-bridge/spi';
 */
export type * from './factor.ts';
export type * from './factorPresentation.ts';
export type * from './factorStorage.ts';
export type * from './host.ts';
export type * from './audit.ts';
export type * from './migration.ts';
export type * from './secrets.ts';
export type * from './settings.ts';
