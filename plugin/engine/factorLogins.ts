import type { AuditLog } from '../audit/auditLog.ts';
import type { UserSessions } from '../credentials/userSessions.ts';
import { MfaError } from '../errors.ts';
import type { AttemptView, FactorLogins, NotMeOutcome, RequestFacts } from '../spi/factor.ts';
import type { AttemptStore } from './attemptStore.ts';

export interface FactorLoginsDependencies {
  /** The engine's own verify (bound late: the engine is built over the registry that builds these). */
  verifyAnswer(attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts): Promise<unknown>;
  attempts: AttemptStore;
  sessions: UserSessions;
  audit: AuditLog;
  now(): number;
}

function view(attempt: AttemptView): AttemptView {
  const { id, userId, door, createdAt, expiresAt, ip, userAgent } = attempt;
  return { id, userId, door, createdAt, expiresAt, ip, userAgent };
}

/**
 * What a factor may do to login attempts, bound to that factor: find one, and report it as
 * not the user's ("This wasn't me" in a mail, Deny on a push). The report is the engine's,
 * so every factor reports alike.
 *
 * Every session is ended, not only the ones this attempt made (issue 11, finding 3): a
 * session that passed the attempt is indistinguishable from the owner's own by anything
 * stored, the reporter's adversary knows the password and may have logged in more than
 * once, and the owner must log in again after changing the password anyway. Tokens stay.
 *
 * It deliberately does NOT turn the factor off, lock it or suspend the account (Moodle
 * tool_mfa's factor_email revokes the factor and leaves the owner locked out until an
 * admin steps in): whoever triggered the login knows the password, so the owner's move is
 * to change it, and a report anyone holding the mail or phone can make must not shut the owner out.
 */
export function factorLoginsFor(factor: string, deps: FactorLoginsDependencies): FactorLogins {
  return {
    async find(attemptId) {
      const attempt = await deps.attempts.find(attemptId);
      return attempt ? view(attempt) : null;
    },

    async reportNotMe(attemptId, by): Promise<NotMeOutcome | null> {
      const attempt = await deps.attempts.find(attemptId);
      if (!attempt) return null;
      const now = deps.now();
      // A passed attempt not yet spent (the token door between verify and token) is stopped too.
      const stopped =
        (await deps.attempts.transition(attempt.id, 'pending', 'cancelled', now)) || (await deps.attempts.transition(attempt.id, 'passed', 'cancelled', now));
      await deps.audit.record({
        event: 'not_me_reported',
        userId: attempt.userId,
        factor,
        door: attempt.door,
        ip: by.ip,
        detail: { attemptIp: attempt.ip, attemptCreatedAt: attempt.createdAt, attemptStatus: stopped ? 'cancelled' : attempt.status },
      });
      const ended = await deps.sessions.endAll(attempt.userId, { cause: 'not_me_reported', actor: 'system', ip: by.ip, door: attempt.door });
      return { outcome: stopped ? 'stopped' : 'finished', attempt: view(attempt), sessionsEnded: ended.webSessions + ended.apiSessions };
    },

    async verify(attemptId, factorId, input, by) {
      // A factor answers for itself only: it cannot pass (or lock) another factor of the attempt.
      if (factorId !== factor) throw new MfaError('FORBIDDEN', `The ${factor} factor cannot answer for ${factorId}.`);
      await deps.verifyAnswer(attemptId, factorId, input, { ip: by.ip, userAgent: null });
    },
  };
}
