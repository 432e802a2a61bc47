import type { FactorAttemptState } from '../../spi/factorStorage.ts';

/** The login challenge kept as the attempt's webauthn state. */
interface IssuedChallenge {
  challenge: string;
  expiresAt: number;
}

/** What is left after the challenge was taken: enough to recognise a replayed answer. */
interface SpentChallenge {
  spent: string;
}

export type LoginChallengeState = IssuedChallenge | SpentChallenge;

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
  constructor(private readonly states: FactorAttemptState<LoginChallengeState>) {}

  async issue(attemptId: string, challenge: string, expiresAt: number): Promise<void> {
    // Replaces whatever is there; a parallel request that wrote first is simply replaced on the next round.
    for (let round = 0; round < 5; round++) {
      if (await this.states.swap(attemptId, await this.states.read(attemptId), { challenge, expiresAt })) return;
    }
  }

  /**
   * Takes the attempt's challenge, once: a compare-and-swap that only the first of two
   * concurrent callers can win, so one assertion cannot be spent twice even in parallel.
   */
  async take(attemptId: string): Promise<TakenChallenge> {
    const stored = await this.states.read(attemptId);
    const value = stored?.value;
    if (!stored || !value) return { kind: 'none' };
    if ('spent' in value) return typeof value.spent === 'string' ? { kind: 'spent', challenge: value.spent } : { kind: 'none' };
    if (typeof value.challenge !== 'string' || typeof value.expiresAt !== 'number') return { kind: 'none' };
    const changed = await this.states.swap(attemptId, stored, { spent: value.challenge });
    return changed ? { kind: 'taken', challenge: value.challenge, expiresAt: value.expiresAt } : { kind: 'spent', challenge: value.challenge };
  }
}
