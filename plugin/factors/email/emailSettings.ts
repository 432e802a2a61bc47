import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.email.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const emailSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: true,
    label: 'Enabled',
    help: "Users may turn on email codes from their security page (after confirming a code sent to their account's address) and, at login, ask for a one-time code by email.",
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points this factor adds when passed; MFA passes at 100.',
  },
  {
    name: 'code_ttl_minutes', type: 'integer', default: 10, min: 1, max: 60,
    label: 'Code valid for (minutes)',
    help: 'How long an emailed code works. Each code works once, for the login it was sent for.',
  },
  {
    name: 'resend_interval_seconds', type: 'integer', default: 60, min: 0, max: 3600,
    label: 'Wait before a new code (seconds)',
    help: 'How long a user must wait before asking for another code. A new code replaces the previous one and does not reset the lockout count.',
  },
  {
    name: 'max_sends_per_attempt', type: 'integer', default: 5, min: 1, max: 20,
    label: 'Codes per login',
    help: 'The most codes one login may ask for; after that the user uses the newest code or logs in again with their password.',
  },
  {
    name: 'max_sends_per_hour', type: 'integer', default: 10, min: 1, max: 100,
    label: 'Codes per user per hour',
    help: 'The most codes mailed to one account in an hour, over all its logins and set-ups: someone who knows the password cannot flood the mailbox by logging in again and again.',
  },
];
