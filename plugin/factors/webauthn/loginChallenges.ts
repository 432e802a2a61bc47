import type { Knex } from 'knex';
import { AttemptStore } from '../../engine/attemptStore.ts';
import { WEBAUTHN_FACTOR_ID } from './webauthnCredentials.ts';

/** The login challenge kept in the attempt's factor data (mfa_attempt_factors.data). */
interface IssuedChallenge {
  challenge: string;
  expiresAt: number;
}

/** What is left after the challenge was taken: enough to recognise a replayed answer. */
interface SpentChallenge {
  spent: string;
}

export type TakenChallenge =
  | { kind: 'taken'; challenge: string; expiresAt: number }
  | { kind: 'spent'; challenge: string }
  | { kind: 'none' };

/**
 * Login challenges, one per attempt, single-use (WebAuthn §13.4.3: challenges must be
 * random and used once). A new request for options replaces the old challenge; answering
 * takes it, so the same assertion posted twice finds it spent.
 */
export class LoginChallenges {
  private readonly attempts: AttemptStore;

  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
  ) {
    this.attempts = new AttemptStore(db);
  }

  async issue(attemptId: string, challenge: string, expiresAt: number): Promise<void> {
    const data: IssuedChallenge = { challenge, expiresAt };
    await this.attempts.setFactorData(attemptId, WEBAUTHN_FACTOR_ID, { ...data }, this.now());
  }

  /**
   * Takes the attempt's challenge, once: a conditional UPDATE that only the first of two
   * concurrent callers can win, so one assertion cannot be spent twice even in parallel.
   */
  async take(attemptId: string): Promise<TakenChallenge> {
    const data = await this.attempts.factorData(attemptId, WEBAUTHN_FACTOR_ID);
    if (typeof data?.spent === 'string') return { kind: 'spent', challenge: data.spent };
    if (typeof data?.challenge !== 'string' || typeof data.expiresAt !== 'number') return { kind: 'none' };
    const issued: IssuedChallenge = { challenge: data.challenge, expiresAt: data.expiresAt };
    const spent: SpentChallenge = { spent: issued.challenge };
    // setFactorData wrote JSON.stringify of the same two keys in this order, so the text matches.
    const changed = await this.db('mfa_attempt_factors')
      .where({ attempt_id: attemptId, factor: WEBAUTHN_FACTOR_ID, data: JSON.stringify(issued) })
      .update({ data: JSON.stringify(spent), updated_at: this.now() });
    return changed === 1 ? { kind: 'taken', ...issued } : { kind: 'spent', challenge: issued.challenge };
  }
}
