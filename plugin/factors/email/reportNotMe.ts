import { constantTimeEqual, hashToken } from '../../crypto/tokens.ts';
import type { FactorContext } from '../../spi/factor.ts';
import type { FactorAttemptState } from '../../spi/factorStorage.ts';
import { EMAIL_FACTOR_ID, EmailAttemptData, type EmailAttemptState } from './emailAttemptData.ts';
import { formatMailTime } from './emailMessages.ts';

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
 * The "This wasn't me" link of a login code mail. The factor checks the link (a token of
 * this attempt's mails, spent with the code in one compare-and-swap); the engine's report
 * (FactorContext.logins.reportNotMe) cancels the attempt, ends every session of the user,
 * records `not_me_reported` and mails the user, as for any factor. Email codes stay on:
 * see plugin/engine/factorLogins.ts for why nothing is locked. The result says what to do next.
 *
 * Web doors: serve GET as a page with a button and call this on POST. Mail scanners
 * fetch links in mail to check them; a GET that cancels would cancel real logins.
 *
 * @example
 * const report = await reportNotMe(request.context, token, { ip }); // the email factor's own route
 */
export async function reportNotMe(context: FactorContext, token: string, reporter: { ip: string | null } = { ip: null }): Promise<NotMeReport> {
  const dot = token.indexOf('.');
  if (dot < 1 || token.length > 200) return UNKNOWN_LINK;
  const attemptId = token.slice(0, dot);
  const secretHash = hashToken(token.slice(dot + 1));
  if (!(await context.logins.find(attemptId))) return UNKNOWN_LINK;

  const data = new EmailAttemptData(context.storage.attempts as FactorAttemptState<Partial<EmailAttemptState>>);
  const read = await data.read(attemptId);
  const known = read.state.notMeHashes.some((stored) => constantTimeEqual(stored, secretHash));
  if (!known) return UNKNOWN_LINK;
  // Spend every link of this attempt and the code with them, in one guarded write: a second click (or a parallel one) finds nothing.
  if (!(await data.replace(attemptId, read, { ...read.state, codeHash: null, notMeHashes: [] }))) return UNKNOWN_LINK;

  const reported = await context.logins.reportNotMe(attemptId, { ip: reporter.ip });
  if (!reported) return UNKNOWN_LINK;
  const { attempt, sessionsEnded } = reported;
  const stopped = reported.outcome === 'stopped';
  const signedOut = sessionsEnded > 0 ? ' We also signed your account out everywhere, so any session it got is closed; log in again afterwards.' : '';

  const where = `from ${attempt.ip ?? 'an unknown address'} on ${formatMailTime(attempt.createdAt)}`;
  const site = context.host.siteName();
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
