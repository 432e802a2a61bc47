import type { Knex } from 'knex';
import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { builtInFactors } from '../../plugin/factors/index.ts';
import { settingDefinitions } from '../../plugin/manifest/buildManifest.ts';
import type { SettingValue } from '../../plugin/manifest/manifest.ts';
import type { AnyFactorProviderFactory } from '../../plugin/spi/factor.ts';
import { SettingsStore } from '../../plugin/settings/settingsStore.ts';
import { type CliCommand, requirePositionals } from './cliCommand.ts';

/** Who the audit log says changed a setting from the command line. */
export const CLI_ACTOR = 'cli';

function settingsStore(db: Knex, factors: readonly AnyFactorProviderFactory[] = builtInFactors): SettingsStore {
  return new SettingsStore(db, settingDefinitions(factors), new AuditLog(db));
}

/** A value as a person would type it back into `settings set`: lists comma-separated. */
export function formatSettingValue(value: SettingValue): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function listShown(value: SettingValue): string {
  const text = formatSettingValue(value);
  return text === '' ? '(empty)' : text;
}

export const settingsList: CliCommand = {
  name: 'settings list',
  arguments: '',
  summary: 'every setting with its current value and default; * marks a changed one',
  options: {},
  migrations: 'plugin',
  async run({ db, args, out, factors }) {
    requirePositionals(this, args, []);
    const entries = (await settingsStore(db, factors).snapshot()).entries();
    const nameWidth = Math.max(...entries.map((e) => e.definition.name.length));
    const valueWidth = Math.max(...entries.map((e) => listShown(e.value).length));
    for (const { definition, value } of entries) {
      const changed = JSON.stringify(value) !== JSON.stringify(definition.default);
      const mark = changed ? '*' : ' ';
      out(`${mark} ${definition.name.padEnd(nameWidth)}  ${listShown(value).padEnd(valueWidth)}  (default: ${listShown(definition.default)})`);
    }
    out('');
    out('Settings marked * differ from their default. Change one with: mfa-bridge settings set <name> <value>');
  },
};

export const settingsGet: CliCommand = {
  name: 'settings get',
  arguments: '<name>',
  summary: 'the current value of one setting (lists comma-separated)',
  options: {},
  migrations: 'plugin',
  async run({ db, args, out, factors }) {
    const [name = ''] = requirePositionals(this, args, ['name']);
    out(formatSettingValue(await settingsStore(db, factors).get(name)));
  },
};

export const settingsSet: CliCommand = {
  name: 'settings set',
  arguments: '<name> <value>',
  summary: 'validates and stores a value; the change is audited with actor "cli"',
  options: {},
  migrations: 'plugin',
  async run({ db, args, out, factors }) {
    const [name = '', value = ''] = requirePositionals(this, args, ['name', 'value']);
    const change = await settingsStore(db, factors).set(name, value, CLI_ACTOR);
    const [before, after] = [listShown(change.oldValue), listShown(change.newValue)];
    out(before === after ? `${name} is already ${after}` : `${name}: ${before} -> ${after}`);
  },
};

export const settingsCommands: readonly CliCommand[] = [settingsList, settingsGet, settingsSet];
