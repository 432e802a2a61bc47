export interface FactorPrompt {
  label: string;
  hint: string;
  /** The keyboard a phone shows. @default 'numeric' */
  inputMode?: 'numeric' | 'text';
  /** @default 12 */
  maxLength?: number;
}

/** What each factor's input is called on the second-factor page. New factors add a line here. */
export const FACTOR_PROMPTS: Record<string, FactorPrompt> = {
  totp: { label: 'Code from your authenticator app', hint: 'Open the app on your phone and enter the 6-digit code it shows for this site.' },
  email: { label: 'Code from the email', hint: 'Choose “Send me a code”, then enter the 6-digit code from the email. Only the newest code works.' },
  recovery_codes: {
    label: 'Recovery code',
    hint: 'Enter one of the recovery codes you saved (like abcd-efgh-ijkl-mnop). Each code works once.',
    inputMode: 'text',
    maxLength: 24,
  },
};

export function promptFor(factorId: string, displayName: string): FactorPrompt {
  return FACTOR_PROMPTS[factorId] ?? { label: displayName, hint: '' };
}

/** `2026-11-23 09:00 UTC`: unambiguous for every reader, whatever their locale. */
export function formatTime(epochMs: number | null | undefined): string {
  if (!epochMs) return 'never';
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
