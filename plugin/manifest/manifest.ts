import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SettingDefinition } from '../spi/settings.ts';

const settingBase = {
  name: z.string().regex(/^[a-z][a-z0-9_.]*$/),
  section: z.string(),
  label: z.string(),
  help: z.string(),
};

export const settingDefinitionSchema = z.discriminatedUnion('type', [
  z.object({ ...settingBase, type: z.literal('boolean'), default: z.boolean() }),
  z.object({ ...settingBase, type: z.literal('integer'), default: z.number().int(), min: z.number().int(), max: z.number().int() }),
  z.object({
    ...settingBase,
    type: z.literal('string'),
    default: z.string(),
    maxLength: z.number().int().optional(),
    /** A regular expression the (trimmed) value must match, and what to tell someone whose value does not. */
    pattern: z.object({ regex: z.string(), explain: z.string() }).optional(),
  }),
  z.object({
    ...settingBase,
    type: z.literal('select'),
    default: z.string(),
    options: z.array(z.string()).min(1),
    /** What the admin page shows for an option, by value (the CLI and the stored value keep the value). */
    optionLabels: z.record(z.string(), z.string()).optional(),
  }),
  z.object({
    ...settingBase,
    type: z.literal('list'),
    default: z.array(z.string()),
    /** A list of paths that must not cover these areas (pathExclusions.ts): items are then checked as paths. */
    protectedPaths: z.array(z.object({ path: z.string().startsWith('/'), name: z.string() })).optional(),
  }),
  z.object({ ...settingBase, type: z.literal('cidr-list'), default: z.array(z.string()) }),
]);

export type { FactorSettingDefinition, SettingDefinition, SettingType, SettingValue } from '../spi/settings.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The schema checks exactly what the SPI declares: this fails to compile when the two drift apart. */
const schemaIsTheSpis: Same<z.infer<typeof settingDefinitionSchema>, SettingDefinition> = true;
void schemaIsTheSpis;

/** A factor id: what settings names, URLs and the audit log carry. */
export const FACTOR_ID_PATTERN = /^[a-z][a-z0-9_]{0,40}$/;

const factorEntrySchema = z.object({
  id: z.string().regex(FACTOR_ID_PATTERN),
  displayName: z.string(),
  referenceCategory: z.string(),
  requiresInput: z.boolean(),
  userSetupAllowed: z.boolean(),
  capabilities: z.object({
    requiresInput: z.boolean(),
    sendsChallenge: z.boolean(),
    worksWithoutBrowser: z.boolean(),
    phishingResistant: z.boolean(),
    userSetupAllowed: z.boolean(),
    removalGivesAccessUp: z.boolean().optional(),
  }),
});

export const manifestSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  hostApi: z.string(),
  hooks: z.array(z.object({ name: z.string(), description: z.string() })),
  factors: z.array(factorEntrySchema),
  settings: z.array(settingDefinitionSchema),
});

export type PluginManifest = z.infer<typeof manifestSchema>;
export type ManifestFactor = z.infer<typeof factorEntrySchema>;

export const MANIFEST_URL = new URL('../../manifest.json', import.meta.url);

let cached: PluginManifest | undefined;

/**
 * manifest.json, validated: what a host reads to install the plugin (the factors this
 * repository ships and every setting). Written by `npm run manifest` from the factories;
 * the running plugin builds the same from its registered factors (buildManifest.ts).
 */
export function loadManifest(): PluginManifest {
  cached ??= manifestSchema.parse(JSON.parse(readFileSync(MANIFEST_URL, 'utf8')));
  return cached;
}
