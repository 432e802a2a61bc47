/**
 * `mfa-bridge/passport`: the factors as Passport strategies, for a host's own Passport
 * app. One strategy per factor that takes input, from the registry (built-in and
 * drop-in factors alike): `mfa-totp`, `mfa-email`, `mfa-webauthn`, `mfa-recovery-codes`...
 * Each is one call of the login protocol (`mfa.login.answer`); the `Host` contract is the
 * only bridge to the host's users.
 *
 * @example
 * useMfaStrategies(passport, mfa);
 * app.post('/login/mfa', passport.authenticate('mfa-totp', { successRedirect: '/', failureRedirect: '/login/mfa', failureMessage: true }));
 */
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { mfaStrategy, strategyName } from './mfaStrategy.ts';
import type { PassportInstance } from './passportInstance.ts';
import { registerFactorPassport } from './pluginPassport.ts';

export { type MfaStrategyFailure, mfaStrategy, strategyName } from './mfaStrategy.ts';
export type { PassportInstance } from './passportInstance.ts';
export { type SecondFactorChoice, secondFactorChoices, secondFactorSetup, type SecondFactorSetupChoice, type SecondFactorStart, sendSecondFactorCode, startSecondFactor } from './secondFactorLogin.ts';

/**
 * Registers a strategy for every factor that takes input on your Passport (`passport`, or
 * an instance of it) and returns their names. Call it with the instance your app logs
 * users in with: the strategies log in your own user through its serializeUser and
 * deserializeUser (the instance they were last registered on).
 */
export function useMfaStrategies(passport: PassportInstance, plugin: MfaPlugin): string[] {
  registerFactorPassport(plugin, passport);
  const factories = plugin.registry.all().filter((factory) => factory.capabilities.requiresInput);
  for (const factory of factories) passport.use(strategyName(factory.id), mfaStrategy(plugin, factory));
  return factories.map((factory) => strategyName(factory.id));
}
