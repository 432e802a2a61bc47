import type { FactorContext } from '../../spi/factor.ts';
import { pollingStream } from './pollingStream.ts';
import { pushStorage } from './pushRecords.ts';
import { type ApprovalState, approvalStateOf } from './pushState.ts';

/** What the login page says while it waits, by state. */
export const WAITING_MESSAGES: Record<ApprovalState, string> = {
  waiting: 'Waiting for your answer on your phone: pick the number shown here.',
  approved: 'Approved on your phone.',
  wrong: 'The number picked on your phone was not the one shown here, so the login was not approved. Choose “Approve on my phone” to try again.',
  denied: 'This login was denied on your phone. If it was you, log in again.',
  expired: 'The request to your phone expired. Choose “Approve on my phone” to send a new one.',
  none: 'Choose “Approve on my phone” first: nothing has been sent to your phone for this login.',
};

/** Where the push of an attempt stands, for the waiting page (SSE or polling) and the token door. */
export async function approvalState(context: FactorContext, attemptId: string): Promise<{ state: ApprovalState; message: string; expiresAt: number | null }> {
  const push = (await pushStorage(context).attempts.read(attemptId))?.value.push ?? null;
  const state = approvalStateOf(push, context.now());
  return { state, message: WAITING_MESSAGES[state], expiresAt: push?.expiresAt ?? null };
}

/**
 * The login page's Server-Sent Events while it waits: `approval` with the state whenever it
 * changes (and once at the start), until the state is no longer `waiting` or the stream has
 * run `lifetimeMs` (the page then polls, or opens a new one).
 */
export function approvalEvents(context: FactorContext, attemptId: string, timing: { checkEveryMs?: number; lifetimeMs?: number } = {}): AsyncIterableIterator<{ event: string; data: unknown }> {
  let last: ApprovalState | null = null;
  return pollingStream(
    async () => {
      if (last !== null && last !== 'waiting') return 'end';
      const now = await approvalState(context, attemptId);
      if (now.state === last) return 'nothing';
      last = now.state;
      return { event: 'approval', data: now };
    },
    { everyMs: timing.checkEveryMs ?? 1000, lifetimeMs: timing.lifetimeMs ?? 300_000 },
  );
}
