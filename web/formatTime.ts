/** `2026-11-23 09:00 UTC`: unambiguous for every reader, whatever their locale. */
export function formatTime(epochMs: number | null | undefined): string {
  if (!epochMs) return 'never';
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
