import type { FactorRegistry } from '../engine/factorRegistry.ts';
import type { AttemptStatus } from '../engine/mfaEngine.ts';
import type { SettingsSnapshot } from '../settings/settingsStore.ts';
import type { AnyFactorProviderFactory, Door } from '../spi/factor.ts';
import { isHeldCode } from './factorChoice.ts';
import type { LoginFactor, PassOffer } from './loginStep.ts';

/**
 * The factors a waiting login can be answered with: set up by the user, taking input, in
 * the order they are offered (phishing-resistant first, as the engine scores them).
 */
export function loginFactors(registry: FactorRegistry, status: AttemptStatus): LoginFactor[] {
  const factors: LoginFactor[] = [];
  for (const standing of status.factors) {
    if (!standing.requiresInput || !standing.configured) continue;
    const factory = registry.factory(standing.id);
    factors.push({ ...standing, prompt: factory.presentation?.prompt?.kind, backup: factory.presentation?.card?.backup === true });
  }
  return factors;
}

/**
 * Whether a factor can be the user's way in while set-up is required: set up by users,
 * with a card that is not a mere backup (recovery codes alone must not pass a login).
 */
export function setsUpAWayIn(factory: AnyFactorProviderFactory): boolean {
  const card = factory.presentation?.card;
  return factory.capabilities.userSetupAllowed && card !== undefined && card.backup !== true;
}

/**
 * A factor whose answer the user holds without asking, on any client (an authenticator
 * app), by what its factory declares: the default for a bare code, the factor the JSON
 * API and the bridge set up for a key to type.
 */
export function isHeldCodeFactory(factory: AnyFactorProviderFactory): boolean {
  return isHeldCode({ capabilities: factory.capabilities, prompt: factory.presentation?.prompt?.kind, backup: factory.presentation?.card?.backup === true });
}

/** The factors a user who must set one up may choose from, in the order they are offered. */
export function setupChoices(registry: FactorRegistry, settings: SettingsSnapshot): Array<{ id: string; displayName: string }> {
  return registry
    .offered(settings)
    .filter(setsUpAWayIn)
    .map((f) => ({ id: f.id, displayName: f.displayName }));
}

/**
 * What enabled factors offer to do once the login passes ("Trust this device for 24
 * hours"). Only a browser keeps what such an offer hands out (a cookie).
 */
export async function passOffers(registry: FactorRegistry, settings: SettingsSnapshot, door: Door): Promise<PassOffer[]> {
  if (door !== 'web') return [];
  const offers: PassOffer[] = [];
  for (const factory of registry.enabled(settings)) {
    const offer = registry.provider(factory, settings).passOffer?.();
    if (offer) offers.push({ factor: factory.id, ...offer });
  }
  return offers;
}
