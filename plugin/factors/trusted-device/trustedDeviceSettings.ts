import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.trusted_device.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const trustedDeviceSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: true,
    label: 'Enabled',
    help: 'Offer "Trust this device" on the second-factor page; a trusted browser passes MFA without input until the trust expires.',
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points a trusted device adds; MFA passes at 100.',
  },
  {
    name: 'expiry_hours', type: 'integer', default: 24, min: 1, max: 8760,
    label: 'Trust lasts (hours)',
    help: 'How long a device stays trusted after the user ticks "Trust this device".',
  },
];
