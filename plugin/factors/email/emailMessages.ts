import { describeBrowser } from '../../net/describeBrowser.ts';
import type { AttemptView } from '../../spi/factor.ts';
import type { HostUser, MailMessage } from '../../spi/host.ts';

/** Where the "This wasn't me" link points; the web door serves this path. */
export const NOT_ME_PATH = '/mfa/not-me';

/** Times in mail are UTC and spelled out: the reader may be anywhere, and must recognise the moment. */
export function formatMailTime(at: number): string {
  return new Date(at).toUTCString().replace('GMT', 'UTC');
}

export interface LoginCodeMailInput {
  user: HostUser;
  siteName: string;
  siteOrigin: string;
  attempt: AttemptView;
  code: string;
  expiresAt: number;
  ttlMinutes: number;
  notMeToken: string;
}

/**
 * The login code mail. It says where and when the login came from, so the owner can
 * tell a login of theirs from someone else's, and carries the "This wasn't me" link.
 * The code is not in the subject, so it does not show on a locked phone's notifications.
 */
export function loginCodeMail(input: LoginCodeMailInput): MailMessage {
  const { user, siteName, attempt } = input;
  const link = `${input.siteOrigin}${NOT_ME_PATH}?token=${encodeURIComponent(input.notMeToken)}`;
  const text = [
    `Hello ${user.username},`,
    '',
    `Your code to finish logging in to ${siteName} is:`,
    '',
    `    ${input.code}`,
    '',
    `It works once, for this login only, until ${formatMailTime(input.expiresAt)} (${input.ttlMinutes} minutes).`,
    '',
    'The login was made:',
    `  When:    ${formatMailTime(attempt.createdAt)}`,
    `  From IP: ${attempt.ip ?? 'unknown'}`,
    // The short description, as the other mails give it: the raw User-Agent is 512 characters the client chose.
    `  Browser: ${describeBrowser(attempt.userAgent)}`,
    '',
    `Do not share this code. Nobody from ${siteName} will ask you for it.`,
    '',
    "This wasn't me: someone else has your password. Stop this login here:",
    link,
    'Then change your password. Your account stays open to you, and email codes keep working.',
  ].join('\n');
  return { to: user.email, subject: `Your login code for ${siteName}`, text };
}

export interface SetupCodeMailInput {
  user: HostUser;
  siteName: string;
  code: string;
  expiresAt: number;
  ttlMinutes: number;
}

/** The mail that proves the user receives mail at this address, before email codes are turned on. */
export function setupCodeMail(input: SetupCodeMailInput): MailMessage {
  const text = [
    `Hello ${input.user.username},`,
    '',
    `To turn on email codes for logging in to ${input.siteName}, enter this code on your security page:`,
    '',
    `    ${input.code}`,
    '',
    `It works once, until ${formatMailTime(input.expiresAt)} (${input.ttlMinutes} minutes).`,
    '',
    'If you did not ask for this, someone may be logged in to your account: change your password.',
  ].join('\n');
  return { to: input.user.email, subject: `Confirm email codes for ${input.siteName}`, text };
}
