import type { Knex } from 'knex';
import type { AuditLog } from '../../audit/auditLog.ts';
import { UserSessions } from '../../credentials/userSessions.ts';
import { constantTimeEqual, hashToken } from '../../crypto/tokens.ts';
import { AttemptStore } from '../../engine/attemptStore.ts';
import type { Host } from '../../spi/host.ts';
import { EMAIL_FACTOR_ID, EmailAttemptData } from './emailAttemptData.ts';
import { formatMailTime } from './emailMessages.ts';

/** What reportNotMe needs: a FactorContext (`plugin.registry.context(settings)`) has all of it. */
export interface NotMeDependencies {
  db: Knex;
  host: Host;
  audit: AuditLog;
  now(): number;
}

export interface NotMeReport {
  /** `stopped`: the login was cancelled; `finished`: it had already ended; `unknown_link`: bad, used or purged token. */
  outcome: 'stopped' | 'finished' | 'unknown_link';
  /** What the page tells the person who clicked. */
  message: string;
  /** The reported login's address and time, for the page. */
  loginIp?: string | null;
  loginAt?: number;
  /** Browser and API sessions of the user that were ended. */
  sessionsEnded?: number;
}

const UNKNOWN_LINK: NotMeReport = {
  outcome: 'unknown_link',
  message: 'This link has already been used or is too old. If you did not try to log in, change your password now; your account is not locked.',
};

/**
 * The "This wasn't me" link of a login code mail. It cancels that login attempt (so the
 * code in the mail is useless to whoever asked for it), ends every session of the user
 * (`sessions_ended`), records `not_me_reported`, and says what to do next.
 *
 * Every session, not only the ones this attempt made (issue 11, finding 3): a session that
 * passed the attempt is indistinguishable from the owner's own by anything stored, the
 * sender knows the password and may have logged in more than once, and the owner must
 * log in again after changing the password anyway. Tokens stay; the page says so.
 *
 * It deliberately does NOT turn email codes off, lock the factor or suspend the account
 * (Moodle tool_mfa's factor_email revokes the factor on "that wasn't me" and leaves the
 * owner locked out of email codes until an admin steps in). Whoever triggered the mail
 * knows the password, so the owner's move is to change it; a link that anyone holding
 * the mail can click must not become a way to shut the owner out.
 *
 * Web doors: serve GET as a page with a button and call this on POST. Mail scanners
 * fetch links in mail to check them; a GET that cancels would cancel real logins.
 *
 * @example
 * const report = await reportNotMe(plugin.registry.context(await plugin.settings.snapshot()), token, { ip });
 */
export async function reportNotMe(deps: NotMeDependencies, token: string, reporter: { ip: string | null } = { ip: null }): Promise<NotMeReport> {
  const dot = token.indexOf('.');
  if (dot < 1 || token.length > 200) return UNKNOWN_LINK;
  const attemptId = token.slice(0, dot);
  const secretHash = hashToken(token.slice(dot + 1));
  const attempts = new AttemptStore(deps.db);
  const attempt = await attempts.find(attemptId);
  if (!attempt) return UNKNOWN_LINK;

  const data = new EmailAttemptData(deps.db, deps.now);
  const read = await data.read(attempt.id);
  const known = read.state.notMeHashes.some((stored) => constantTimeEqual(stored, secretHash));
  if (!known) return UNKNOWN_LINK;
  // Spend every link of this attempt and the code with them, in one guarded write: a second click (or a parallel one) finds nothing.
  if (!(await data.replace(attempt.id, read, { ...read.state, codeHash: null, notMeHashes: [] }))) return UNKNOWN_LINK;

  const now = deps.now();
  // A passed attempt not yet spent (the token door between verify and token) is stopped too.
  const stopped = (await attempts.transition(attempt.id, 'pending', 'cancelled', now)) || (await attempts.transition(attempt.id, 'passed', 'cancelled', now));
  await deps.audit.record({
    event: 'not_me_reported',
    userId: attempt.userId,
    factor: EMAIL_FACTOR_ID,
    door: attempt.door,
    ip: reporter.ip,
    detail: { attemptIp: attempt.ip, attemptCreatedAt: attempt.createdAt, attemptStatus: stopped ? 'cancelled' : attempt.status },
  });

  const ended = await new UserSessions(deps).endAll(attempt.userId, { cause: 'not_me_reported', actor: 'system', ip: reporter.ip, door: attempt.door });
  const sessionsEnded = ended.webSessions + ended.apiSessions;
  const signedOut = sessionsEnded > 0 ? ' We also signed your account out everywhere, so any session it got is closed; log in again afterwards.' : '';

  const where = `from ${attempt.ip ?? 'an unknown address'} on ${formatMailTime(attempt.createdAt)}`;
  const site = deps.host.siteName();
  if (stopped) {
    return {
      outcome: 'stopped',
      loginIp: attempt.ip,
      loginAt: attempt.createdAt,
      sessionsEnded,
      message: `We stopped the login to ${site} ${where}.${signedOut} Whoever started it knows your password: change your password now. Your account is not locked, and you can keep using email codes to log in.`,
    };
  }
  return {
    outcome: 'finished',
    loginIp: attempt.ip,
    loginAt: attempt.createdAt,
    sessionsEnded,
    message: `The login to ${site} ${where} had already ended.${signedOut} Change your password now and tell your administrator; your report has been recorded. Your account is not locked.`,
  };
}
