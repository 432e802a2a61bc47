import type { Knex } from 'knex';
import { replaceAttemptFactorData } from './guardedDataUpdate.ts';

export const EMAIL_FACTOR_ID = 'email';

/**
 * What the email factor keeps for one login attempt, in mfa_attempt_factors.data.
 * Never the code or a link token themselves: only their hashes.
 */
export interface EmailAttemptState {
  version: number;
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
  version: 0,
  codeHash: null,
  codeExpiresAt: 0,
  usedAt: null,
  sends: 0,
  lastSentAt: 0,
  notMeHashes: [],
};

export interface EmailAttemptRead {
  /** The column exactly as read: the guard for the next write. */
  raw: string | null;
  state: EmailAttemptState;
}

function parse(raw: string | null): EmailAttemptState {
  if (!raw) return { ...EMPTY_EMAIL_ATTEMPT_STATE };
  const data = JSON.parse(raw) as Partial<EmailAttemptState>;
  return { ...EMPTY_EMAIL_ATTEMPT_STATE, ...data, notMeHashes: Array.isArray(data.notMeHashes) ? data.notMeHashes : [] };
}

/** The email factor's row of one attempt, read and written with a compare-and-swap guard. */
export class EmailAttemptData {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {}

  /** Reads the state, creating the row first so that every later write can be a guarded UPDATE. */
  async read(attemptId: string): Promise<EmailAttemptRead> {
    await this.db('mfa_attempt_factors')
      .insert({ attempt_id: attemptId, factor: EMAIL_FACTOR_ID, state: 'unknown', data: null, updated_at: this.now() })
      .onConflict(['attempt_id', 'factor'])
      .ignore();
    const row = (await this.db('mfa_attempt_factors').where({ attempt_id: attemptId, factor: EMAIL_FACTOR_ID }).first('data')) as
      | { data: string | null }
      | undefined;
    const raw = row?.data ?? null;
    return { raw, state: parse(raw) };
  }

  /** Writes `next` only if nobody wrote since `read`: true when this call made the change. */
  async replace(attemptId: string, read: EmailAttemptRead, next: Omit<EmailAttemptState, 'version'>): Promise<boolean> {
    const state: EmailAttemptState = { ...next, version: read.state.version + 1 };
    return replaceAttemptFactorData(this.db, { attemptId, factor: EMAIL_FACTOR_ID }, read.raw, state, this.now());
  }
}
