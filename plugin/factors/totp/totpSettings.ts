import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.totp.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const totpSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: true,
    label: 'Enabled',
    help: 'Users may set up an authenticator app (TOTP, RFC 6238) and use its codes.',
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points this factor adds when passed; MFA passes at 100.',
  },
  {
    name: 'algorithm', type: 'select', default: 'SHA1', options: ['SHA1', 'SHA256', 'SHA512'],
    label: 'Hash algorithm',
    help: 'SHA1 is what nearly every authenticator app supports. Changing it affects devices set up afterwards.',
  },
  {
    name: 'digits', type: 'select', default: '6', options: ['6', '8'],
    label: 'Digits',
    help: 'Length of the codes. Changing it affects devices set up afterwards.',
  },
  {
    name: 'period', type: 'integer', default: 30, min: 15, max: 120,
    label: 'Period (seconds)',
    help: 'How long each code lasts. Changing it affects devices set up afterwards.',
  },
  {
    name: 'window', type: 'integer', default: 1, min: 0, max: 10,
    label: 'Clock drift window (steps)',
    help: 'Codes this many periods before or after the current one are accepted, for phones whose clock is a little off.',
  },
];
