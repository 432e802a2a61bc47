import type { FactorCopy, FactorPresentation, FactorRoute } from '../../spi/factorPresentation.ts';
import type { EmailCodeSent } from './emailEnrolment.ts';
import { NOT_ME_PATH } from './emailMessages.ts';
import { reportNotMe } from './reportNotMe.ts';

/** The words for email codes. */
export const emailCopy: FactorCopy = {
  displayName: 'Email code',
  addedMessage: 'Email codes are on. When you log in, you can ask for a code by email.',
  removedMessage: 'The device was removed from your account.',
  inSentence: 'email codes',
};

/** `2026-11-23 09:00 UTC`: unambiguous for every reader, whatever their locale. */
function utcMinute(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What the page says once a code went out: where (masked), and for how long. */
export function codeSentMessage(sent: EmailCodeSent): string {
  return `We sent a code to ${sent.sentTo}. It works until ${utcMinute(sent.expiresAt)}. It can take a minute to arrive; check your spam folder too.`;
}

function tokenOf(source: unknown): string {
  const token = (source as { token?: unknown } | null)?.token;
  return typeof token === 'string' ? token : '';
}

/**
 * The "This wasn't me" link of the login code mail. GET only asks: mail scanners open links
 * in mail to check them, and a GET that cancelled would cancel real logins. The button
 * (a CSRF-protected POST) stops the login.
 */
const notMeRoutes: readonly FactorRoute[] = [
  {
    method: 'GET',
    path: NOT_ME_PATH,
    access: 'public',
    async handle(request) {
      const token = tokenOf(request.query);
      if (!token) return { status: 400, page: { title: 'This wasn’t me', blocks: [{ kind: 'text', text: 'This link is incomplete. Open it from the email again.' }] } };
      return {
        page: {
          title: 'This wasn’t me',
          blocks: [
            { kind: 'text', text: 'If you did not just try to log in, someone else knows your password. Stop that login now; then change your password.' },
            { kind: 'action', button: 'Stop that login', path: NOT_ME_PATH, fields: { token } },
            { kind: 'text', text: 'Your account stays open to you, and you can keep using email codes.' },
          ],
        },
      };
    },
  },
  {
    method: 'POST',
    path: NOT_ME_PATH,
    access: 'public',
    async handle(request) {
      const report = await reportNotMe(request.context, tokenOf(request.body), { ip: request.ip });
      const title = report.outcome === 'stopped' ? 'We stopped that login' : 'Nothing to stop';
      return {
        status: report.outcome === 'unknown_link' ? 410 : 200,
        page: { title, blocks: [{ kind: 'text', text: report.message }, { kind: 'text', text: 'Log in and change your password from your profile.' }] },
      };
    },
  },
];

/** "Send me a code" and its box on /mfa; turning codes on from the security page by typing one back. */
export const emailPresentation: FactorPresentation<EmailCodeSent, EmailCodeSent & Record<string, unknown>> = {
  prompt: {
    kind: 'code',
    label: 'Code from the email',
    hint: 'Choose “Send me a code”, then enter the 6-digit code from the email. Only the newest code works.',
    send: { button: 'Send me a code' },
  },
  card: {
    title: 'Email codes',
    text: 'Get a code by email when you log in. We send a code to your account’s address first, to check you receive it.',
    button: 'Turn on email codes',
    onlyOne: true,
  },
  presentSetup: (sent) => ({
    title: 'Turn on email codes',
    blocks: [{ kind: 'text', text: codeSentMessage(sent) }],
    confirm: {
      kind: 'code',
      label: 'Code from the email',
      hint: 'Entering it proves you receive mail at this address. After that you can ask for a code by email when you log in.',
    },
    carry: { setupId: String(sent.setupId ?? '') },
    restart: { button: 'Send a new code' },
  }),
  presentChallenge: (sent) => ({ message: codeSentMessage(sent) }),
  routes: notMeRoutes,
};
