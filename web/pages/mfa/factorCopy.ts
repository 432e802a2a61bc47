/** What each factor's input is called on the second-factor page. New factors add a line here. */
export const FACTOR_PROMPTS: Record<string, { label: string; hint: string }> = {
  totp: { label: 'Code from your authenticator app', hint: 'Open the app on your phone and enter the 6-digit code it shows for this site.' },
};

export function promptFor(factorId: string, displayName: string): { label: string; hint: string } {
  return FACTOR_PROMPTS[factorId] ?? { label: displayName, hint: '' };
}

/** `2026-11-23 09:00 UTC`: unambiguous for every reader, whatever their locale. */
export function formatTime(epochMs: number | null | undefined): string {
  if (!epochMs) return 'never';
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
