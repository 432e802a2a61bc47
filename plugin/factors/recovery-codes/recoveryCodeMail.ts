import { describeBrowser } from '../../net/describeBrowser.ts';
import type { AttemptView } from '../../spi/factor.ts';
import type { HostUser, MailMessage } from '../../spi/host.ts';

export interface RecoveryCodeUsedMailInput {
  user: HostUser;
  siteName: string;
  attempt: AttemptView;
  usedAt: number;
  remaining: number;
  runningLow: boolean;
}

function utc(at: number): string {
  return new Date(at).toUTCString().replace('GMT', 'UTC');
}

/**
 * Sent whenever a recovery code lets someone in: recovery codes bypass the user's
 * device, so the owner must hear of every use (and can act if it was not them).
 */
export function recoveryCodeUsedMail(input: RecoveryCodeUsedMailInput): MailMessage {
  const { user, siteName, attempt } = input;
  const left = input.remaining === 1 ? '1 recovery code' : `${input.remaining} recovery codes`;
  const text = [
    `Hello ${user.username},`,
    '',
    `A recovery code was used to log in to ${siteName}.`,
    '',
    `  When:    ${utc(input.usedAt)}`,
    `  From IP: ${attempt.ip ?? 'unknown'}`,
    // The short description, as the other mails give it: the raw User-Agent is 512 characters the client chose.
    `  Browser: ${describeBrowser(attempt.userAgent)}`,
    '',
    `You have ${left} left.`,
    ...(input.runningLow ? ['You are running out: generate a new set on your security page (the old codes stop working then).'] : []),
    '',
    'If you lost your phone, set up your authenticator app again from your security page.',
    `If this wasn't you, someone has your password and a recovery code: change your password now, generate new recovery codes, and tell your administrator.`,
  ].join('\n');
  return { to: user.email, subject: `A recovery code was used on ${siteName}`, text };
}
