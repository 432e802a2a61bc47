import type { AttemptState, FactorAttemptState } from '../../spi/factorStorage.ts';

export const EMAIL_FACTOR_ID = 'email';

/**
 * What the email factor keeps for one login attempt (the engine's per-attempt state).
 * Never the code or a link token themselves: only their hashes.
 */
export interface EmailAttemptState {
  /** HMAC of the newest code under the server key, bound to the attempt; null once used (or reported). */
  codeHash: string | null;
  codeExpiresAt: number;
  usedAt: number | null;
  sends: number;
  lastSentAt: number;
  /** SHA-256 of each mail's "This wasn't me" token; emptied once one is used. */
  notMeHashes: string[];
}

export const EMPTY_EMAIL_ATTEMPT_STATE: EmailAttemptState = {
  codeHash: null,
  codeExpiresAt: 0,
  usedAt: null,
  sends: 0,
  lastSentAt: 0,
  notMeHashes: [],
};

export interface EmailAttemptRead {
  /** The state exactly as read: the guard for the next write (null: nothing written yet). */
  stored: AttemptState<Partial<EmailAttemptState>> | null;
  state: EmailAttemptState;
}

function parse(value: Partial<EmailAttemptState> | undefined): EmailAttemptState {
  if (!value) return { ...EMPTY_EMAIL_ATTEMPT_STATE };
  const { codeHash, codeExpiresAt, usedAt, sends, lastSentAt, notMeHashes } = { ...EMPTY_EMAIL_ATTEMPT_STATE, ...value };
  return { codeHash, codeExpiresAt, usedAt, sends, lastSentAt, notMeHashes: Array.isArray(notMeHashes) ? notMeHashes : [] };
}

/** The email factor's state of one attempt, read and written with the engine's compare-and-swap. */
export class EmailAttemptData {
  constructor(private readonly states: FactorAttemptState<Partial<EmailAttemptState>>) {}

  async read(attemptId: string): Promise<EmailAttemptRead> {
    const stored = await this.states.read(attemptId);
    return { stored, state: parse(stored?.value) };
  }

  /** Writes `next` only if nobody wrote since `read`: true when this call made the change. */
  replace(attemptId: string, read: EmailAttemptRead, next: EmailAttemptState): Promise<boolean> {
    return this.states.swap(attemptId, read.stored, next);
  }
}
