import type { AnyFactorProviderFactory } from '../spi/factor.ts';
import { coreSettings, pluginHooks, pluginIdentity } from './coreManifest.ts';
import { type FactorSettingDefinition, type ManifestFactor, type PluginManifest, type SettingDefinition, settingDefinitionSchema } from './manifest.ts';

/** A factor's setting under its stored name: `factor.<id>.<name>`, in section `factor.<id>`, validated like any other. */
export function factorSetting(factorId: string, setting: FactorSettingDefinition): SettingDefinition {
  return settingDefinitionSchema.parse({ ...setting, name: `factor.${factorId}.${setting.name}`, section: `factor.${factorId}` });
}

/** Every setting of a site: the plugin's, then each factor's in registration order. */
export function settingDefinitions(factors: readonly AnyFactorProviderFactory[]): SettingDefinition[] {
  return [...coreSettings, ...factors.flatMap((factory) => factory.settings.map((setting) => factorSetting(factory.id, setting)))];
}

function manifestFactor(factory: AnyFactorProviderFactory): ManifestFactor {
  const { id, displayName, referenceCategory, requiresInput, userSetupAllowed, capabilities } = factory;
  return { id, displayName, referenceCategory, requiresInput, userSetupAllowed, capabilities: { ...capabilities } };
}

/**
 * The manifest of a site with these factors: what `npm run manifest` writes to
 * manifest.json for the factors this repository ships, and what `plugin.manifest` is.
 */
export function buildManifest(factors: readonly AnyFactorProviderFactory[]): PluginManifest {
  return { ...pluginIdentity, hooks: pluginHooks.map((hook) => ({ ...hook })), factors: factors.map(manifestFactor), settings: settingDefinitions(factors) };
}

/** manifest.json's text for these factors: two-space JSON and a final newline, so a regenerated file diffs cleanly. */
export function manifestText(factors: readonly AnyFactorProviderFactory[]): string {
  return `${JSON.stringify(buildManifest(factors), null, 2)}\n`;
}
