import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { SettingsSnapshot } from '../../plugin/settings/settingsStore.ts';
import type { FactorProviderFactory } from '../../plugin/spi/factor.ts';
import { type FactorView, factorSlug, factorView } from '../../web/pages/mfa/factorView.ts';

/** Every registered factor as the pages see it, in registration order. */
export function allFactorViews(plugin: MfaPlugin): FactorView[] {
  return plugin.registry.all().map(factorView);
}

/** The enabled factors as the pages see them. */
export function enabledFactorViews(plugin: MfaPlugin, settings: SettingsSnapshot): FactorView[] {
  return plugin.registry.enabled(settings).map(factorView);
}

/** A registered factor by id, or undefined (never an exception: ids come from forms). */
export function factoryById(plugin: MfaPlugin, id: unknown): FactorProviderFactory | undefined {
  return typeof id === 'string' ? plugin.registry.all().find((f) => f.id === id) : undefined;
}

/** A registered factor by its segment in the security page's URLs. */
export function factoryBySlug(plugin: MfaPlugin, slug: string): FactorProviderFactory | undefined {
  return plugin.registry.all().find((f) => factorSlug(f.id) === slug);
}

/** Whether the factor is approved on another device (prompt kind 'approval'), by what it declares. */
export function isApprovalFactor(factory: FactorProviderFactory | undefined): boolean {
  return factory?.presentation?.prompt?.kind === 'approval';
}
