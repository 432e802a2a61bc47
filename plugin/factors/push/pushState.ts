/**
 * What the push factor keeps about one login attempt (FactorContext.storage.attempts, one
 * compare-and-swap per change): the push sent for it, and what became of it.
 *
 *   open ──right number──▶ approved ──the waiting client's verify──▶ used
 *     │ ──wrong number───▶ wrong ──counted once (engine.verify)─────▶ refused
 *     │ ──Deny───────────▶ denied (the attempt is cancelled as "This wasn't me")
 *     └ ──answer_seconds──▶ (expired: read from expiresAt, nothing written)
 *
 * Every arrow is one swap from the state read, so of two answers (a double tap, two phones)
 * exactly one moves the push on; the other finds it answered.
 */
export type PushStatus = 'open' | 'approved' | 'wrong' | 'refused' | 'denied' | 'used';

export interface OpenedPush {
  /** Random, names this push in the phone's signed answer. */
  id: string;
  userId: string;
  /** Two digits shown on the login page; the phone offers it among `choices`. */
  number: string;
  /** Three different numbers in random order, `number` among them. */
  choices: string[];
  createdAt: number;
  expiresAt: number;
  status: PushStatus;
  /** The phone that answered. */
  deviceId: number | null;
  answeredAt: number | null;
  /** What the phone shows of the login: where and what browser (never the full User-Agent). */
  from: { ip: string | null; network: string | null; browser: string };
}

export interface PushAttemptState {
  push: OpenedPush | null;
  /** Pushes sent for this attempt, for the audit trail. */
  sent: number;
}

export const NO_PUSH: PushAttemptState = { push: null, sent: 0 };

/** Whether the phone may still answer it. */
export function isAnswerable(push: OpenedPush, now: number): boolean {
  return push.status === 'open' && now < push.expiresAt;
}

/**
 * Whether the login page is still waiting on it (a new "Approve on my phone" returns it
 * instead of asking the phone again): open and in time, or approved and not yet spent.
 */
export function isPending(push: OpenedPush, now: number): boolean {
  return (push.status === 'open' && now < push.expiresAt) || push.status === 'approved';
}

/** What the waiting login page and the token door are told. */
export type ApprovalState = 'waiting' | 'approved' | 'wrong' | 'denied' | 'expired' | 'none';

export function approvalStateOf(push: OpenedPush | null, now: number): ApprovalState {
  if (!push) return 'none';
  switch (push.status) {
    case 'open':
      return now < push.expiresAt ? 'waiting' : 'expired';
    case 'approved':
      return 'approved';
    case 'wrong':
    case 'refused':
      return 'wrong';
    case 'denied':
      return 'denied';
    case 'used':
      return 'none';
  }
}
