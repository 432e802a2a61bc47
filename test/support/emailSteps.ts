import assert from 'node:assert/strict';
import { emailFactor } from '../../plugin/factors/email/index.ts';
import type { HostUser, MailMessage } from '../../plugin/spi/host.ts';
import type { TestPlugin } from './testPlugin.ts';

// Steps of the email factor's plugin tests: enrol, open an attempt, ask for a code, read mails.

/** The request facts of every attempt in the email factor's plugin tests. */
export const facts = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (test browser)' };

/** The six digits on their own indented line, as the mail shows them. */
export function codeIn(text: string): string {
  const code = /^ {4}(\d{6})\r?$/m.exec(text)?.[1];
  assert.ok(code, `the mail shows a code:\n${text}`);
  return code;
}

export function notMeTokenIn(text: string): string {
  const token = /\/mfa\/not-me\?token=(\S+)/.exec(text)?.[1];
  assert.ok(token, 'the mail carries the not-me link');
  return decodeURIComponent(token);
}

export function lastMail(t: TestPlugin): MailMessage {
  const mail = t.host.mail.at(-1);
  assert.ok(mail, 'a mail was sent');
  return mail;
}

export async function enrolEmail(t: TestPlugin, user: HostUser): Promise<void> {
  const sent = await t.mfa.enrolment.beginSetup(user, emailFactor, {});
  const code = codeIn(lastMail(t).text);
  await t.mfa.enrolment.confirmSetup(user, 'email', { setupId: sent.setupId, code }, { actor: user.username, ip: null });
}

export async function pendingAttempt(t: TestPlugin, user: HostUser) {
  const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
  assert.ok(opened.outcome === 'pending', `attempt is pending, not ${opened.outcome}`);
  return opened.attempt;
}

/** Asks for a code at login and returns it with its mail. */
export async function sendLoginCode(t: TestPlugin, attemptId: string): Promise<{ code: string; mail: MailMessage; sent: Record<string, unknown> }> {
  const before = t.host.mail.length;
  const sent = await t.mfa.engine.challenge(attemptId, 'email', {});
  assert.equal(t.host.mail.length, before + 1, 'one mail per request');
  const mail = lastMail(t);
  return { code: codeIn(mail.text), mail, sent };
}
