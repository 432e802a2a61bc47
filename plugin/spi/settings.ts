/**
 * Admin settings as a factor declares and reads them. The manifest checks declarations
 * with its schema (plugin/manifest/manifest.ts, held to these types by the compiler).
 */

interface SettingBase {
  /** Lowercase, dots and underscores: `lockout_threshold`, `factor.email.code_ttl_minutes`. */
  name: string;
  section: string;
  label: string;
  help: string;
}

export type SettingDefinition =
  | (SettingBase & { type: 'boolean'; default: boolean })
  | (SettingBase & { type: 'integer'; default: number; min: number; max: number })
  | (SettingBase & {
      type: 'string';
      default: string;
      maxLength?: number;
      /** A regular expression the (trimmed) value must match, and what to tell someone whose value does not. */
      pattern?: { regex: string; explain: string };
    })
  | (SettingBase & {
      type: 'select';
      default: string;
      options: string[];
      /** What the admin page shows for an option, by value (the CLI and the stored value keep the value). */
      optionLabels?: Record<string, string>;
    })
  | (SettingBase & {
      type: 'list';
      default: string[];
      /** A list of paths that must not cover these areas: items are then checked as paths. */
      protectedPaths?: Array<{ path: string; name: string }>;
    })
  | (SettingBase & { type: 'cidr-list'; default: string[] });

type WithoutSection<T> = T extends unknown ? Omit<T, 'section'> : never;

/** A setting as a factor declares it: its name relative to the factor (`enabled`, `weight`), no section (it is `factor.<id>`). */
export type FactorSettingDefinition = WithoutSection<SettingDefinition>;
export type SettingType = SettingDefinition['type'];
export type SettingValue = boolean | number | string | string[];

/** The settings as they are at one moment (one read), by full name (`factor.<id>.<name>` for a factor's own). */
export interface SettingsView {
  get(name: string): SettingValue;
  boolean(name: string): boolean;
  integer(name: string): number;
  string(name: string): string;
  list(name: string): string[];
}
