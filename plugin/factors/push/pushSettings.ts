import type { FactorSettingDefinition } from '../../spi/settings.ts';
import { PUSH_FACTOR_ID } from './pushRecords.ts';
import type { SettingsView } from '../../spi/settings.ts';

/** The factor's admin settings, names relative to the factor (stored as factor.push.<name>). */
export const pushSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled',
    type: 'boolean',
    default: false,
    label: 'Enabled',
    help: 'Users may pair a phone from their security page (by scanning a QR code; no app to install) and, at login, approve on that phone by picking the number shown on the login page.',
  },
  { name: 'weight', type: 'integer', default: 100, min: 0, max: 100, label: 'Weight', help: 'Points this factor adds when passed; MFA passes at 100.' },
  {
    name: 'max_pushes_per_hour',
    type: 'integer',
    default: 10,
    min: 1,
    max: 100,
    label: 'Requests to a phone per user per hour',
    help: 'The most approval requests sent to one account’s phones in an hour, over all its logins: someone who knows the password cannot wear the user down with request after request (push bombing). One login has at most one open request.',
  },
  {
    name: 'answer_seconds',
    type: 'integer',
    default: 120,
    min: 30,
    max: 600,
    label: 'Time to answer on the phone (seconds)',
    help: 'How long a request stays open on the phone. After that the user asks again from the login page.',
  },
];

export interface PushRules {
  maxPushesPerHour: number;
  answerMs: number;
}

export function pushRules(settings: SettingsView): PushRules {
  return {
    maxPushesPerHour: settings.integer(`factor.${PUSH_FACTOR_ID}.max_pushes_per_hour`),
    answerMs: settings.integer(`factor.${PUSH_FACTOR_ID}.answer_seconds`) * 1000,
  };
}

export function pushEnabled(settings: SettingsView): boolean {
  return settings.boolean(`factor.${PUSH_FACTOR_ID}.enabled`);
}
