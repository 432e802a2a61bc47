/**
 * `mfa-bridge/passport`: the factors as Passport strategies, for a host's own Passport
 * app. One strategy per factor that takes input, from the registry (built-in and
 * drop-in factors alike): `mfa-totp`, `mfa-email`, `mfa-webauthn`, `mfa-recovery-codes`...
 * The `Host` contract is the only bridge to the host's users.
 *
 * @example
 * useMfaStrategies(passport, mfa);
 * app.post('/login/mfa', passport.authenticate('mfa-totp', { successRedirect: '/', failureRedirect: '/login/mfa' }));
 */
import type { Authenticator, Strategy } from 'passport';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { mfaStrategy, type MfaStrategyOptions, strategyName } from './mfaStrategy.ts';

export { type FactorVerificationRequest, type MfaStrategyFailure, type MfaStrategyOptions, mfaStrategy, strategyName } from './mfaStrategy.ts';
export { secondFactorChoices, type SecondFactorChoice, type SecondFactorStart, startSecondFactor } from './secondFactorLogin.ts';

/** Passport, or one of its instances (`new Passport()`). */
export interface PassportInstance {
  use(name: string, strategy: Strategy): unknown;
  authenticate: Authenticator['authenticate'];
}

/** Registers a strategy for every factor that takes input on `passport`; returns their names. */
export function useMfaStrategies(passport: PassportInstance, plugin: MfaPlugin, options: MfaStrategyOptions = {}): string[] {
  const factories = plugin.registry.all().filter((factory) => factory.capabilities.requiresInput);
  for (const factory of factories) passport.use(strategyName(factory.id), mfaStrategy(plugin, factory, options));
  return factories.map((factory) => strategyName(factory.id));
}
