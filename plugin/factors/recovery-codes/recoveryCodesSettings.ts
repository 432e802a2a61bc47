import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.recovery_codes.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const recoveryCodesSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: true,
    label: 'Enabled',
    help: "Users may generate a set of 10 single-use recovery codes, for when they do not have their device (\"I don't have my device\").",
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points a recovery code adds; MFA passes at 100. At 100, a user who lost their phone can still log in and set up a new one.',
  },
];
