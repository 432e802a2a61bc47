import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.ip_range.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const ipRangeSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: false,
    label: 'Enabled',
    help: 'Logins from the listed networks pass this factor without input.',
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points a login from a trusted network adds; MFA passes at 100.',
  },
  {
    name: 'ranges', type: 'cidr-list', default: [],
    label: 'Trusted networks',
    help: 'IPv4 or IPv6 networks in CIDR form, one per line (e.g. 192.0.2.0/24 or 2001:db8::/32).',
  },
];
