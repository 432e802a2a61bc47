import { MfaError } from '../errors.ts';
import { FACTOR_ID_PATTERN, settingDefinitionSchema } from '../manifest/manifest.ts';
import type { AnyFactorProviderFactory } from '../spi/factor.ts';
import { ENGINE_TABLES } from '../store/engineTables.ts';

const CAPABILITIES = ['requiresInput', 'sendsChallenge', 'worksWithoutBrowser', 'phishingResistant', 'userSetupAllowed'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function refuse(where: string, why: string): MfaError {
  return new MfaError('CONFIGURATION', `${where}: ${why}`);
}

/**
 * Checks that `value` is a factor the plugin can register, next to `others` (already
 * registered): the SPI's shape (plugin/spi/factor.ts), an id that is free, settings that
 * parse (with `enabled` and `weight`), migrations named after the factor, and own tables
 * that are neither engine tables nor another factor's. `where` names the source in errors.
 */
export function validateFactor(value: unknown, others: readonly AnyFactorProviderFactory[], where: string): AnyFactorProviderFactory {
  if (!isObject(value)) throw refuse(where, 'a factor is an object (a FactorProviderFactory), not ' + (value === null ? 'null' : typeof value) + '.');
  const id = value.id;
  if (typeof id !== 'string' || !FACTOR_ID_PATTERN.test(id)) {
    throw refuse(where, `the factor id ${JSON.stringify(id)} is not valid: use lower-case letters, digits and _, starting with a letter (at most 41 characters).`);
  }
  const named = `${where}: factor "${id}"`;
  if (others.some((other) => other.id === id)) throw refuse(named, `another factor has the id "${id}" already (a built-in one, or one loaded before). Give it another id.`);
  if (typeof value.displayName !== 'string' || value.displayName.trim() === '') throw new MfaError('CONFIGURATION', `${named} has no displayName.`);
  if (typeof value.referenceCategory !== 'string') throw new MfaError('CONFIGURATION', `${named} has no referenceCategory.`);
  if (typeof value.create !== 'function') throw new MfaError('CONFIGURATION', `${named} has no create(context) function.`);
  const capabilities = value.capabilities;
  if (!isObject(capabilities)) throw new MfaError('CONFIGURATION', `${named} declares no capabilities (${CAPABILITIES.join(', ')}).`);
  const missing = CAPABILITIES.filter((name) => typeof capabilities[name] !== 'boolean');
  if (missing.length > 0) throw new MfaError('CONFIGURATION', `${named}: capabilities must say true or false for ${missing.join(', ')}.`);
  if (value.requiresInput !== capabilities.requiresInput || value.userSetupAllowed !== capabilities.userSetupAllowed) {
    throw new MfaError('CONFIGURATION', `${named}: requiresInput and userSetupAllowed must be the same as in its capabilities.`);
  }
  if (!Array.isArray(value.settings)) throw new MfaError('CONFIGURATION', `${named} declares no settings (it needs at least enabled and weight).`);
  for (const setting of value.settings as unknown[]) {
    if (!isObject(setting) || !settingDefinitionSchema.safeParse({ ...setting, name: `factor.${id}.${String(setting.name)}`, section: `factor.${id}` }).success) {
      throw new MfaError('CONFIGURATION', `${named}: the setting ${JSON.stringify(isObject(setting) ? setting.name : setting)} is not a valid setting definition (name, type, default, label, help).`);
    }
  }
  const settingTypes = new Map((value.settings as Array<{ name?: unknown; type?: unknown }>).map((s) => [s.name, s.type]));
  if (settingTypes.get('enabled') !== 'boolean' || settingTypes.get('weight') !== 'integer') {
    throw new MfaError('CONFIGURATION', `${named} must declare the settings enabled (boolean) and weight (integer).`);
  }
  const migrations = value.migrations ?? [];
  if (!Array.isArray(migrations) || migrations.some((m) => !isObject(m) || typeof m.name !== 'string' || !m.name.startsWith(`${id}_`) || typeof m.up !== 'function' || typeof m.down !== 'function')) {
    throw new MfaError('CONFIGURATION', `${named}: each migration is { name, up, down } with a name starting "${id}_".`);
  }
  const tables = value.tables ?? [];
  if (!Array.isArray(tables) || tables.some((table) => typeof table !== 'string')) throw new MfaError('CONFIGURATION', `${named}: tables is a list of table names.`);
  for (const table of tables as string[]) {
    if (ENGINE_TABLES.has(table)) throw new MfaError('CONFIGURATION', `${named} declares the engine table ${table}: factors keep their data in their storage, or in tables of their own.`);
    const owner = others.find((other) => other.tables?.includes(table));
    if (owner) throw new MfaError('CONFIGURATION', `${named} declares the table ${table}, which belongs to factor "${owner.id}".`);
  }
  return value as unknown as AnyFactorProviderFactory;
}
