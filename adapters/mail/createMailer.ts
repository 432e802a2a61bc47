import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage } from '../../plugin/spi/host.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../plugin/store/privateFiles.ts';

export interface MailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://user:pass@host:465`. Without it, mail goes to `outboxDir`. */
  smtpUrl?: string;
  /** Where each mail is saved as an `.eml` file when there is no SMTP server (the demo and tests). */
  outboxDir: string;
  /** The From address. @default `mfa-bridge <no-reply@localhost>` */
  from?: string;
  /** Receives one line per mail saved to the outbox; never the body, which carries codes. */
  log?: (line: string) => void;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Closes pooled SMTP connections; a no-op for the outbox. */
  close(): void;
}

export const DEFAULT_FROM = 'mfa-bridge <no-reply@localhost>';

/**
 * Sends mail through SMTP when `smtpUrl` is given, else writes each mail as an `.eml`
 * file (open it with any mail client) into `outboxDir`, so the reference site works
 * without a mail server.
 *
 * @example
 * const mailer = createMailer({ smtpUrl: process.env.SMTP_URL, outboxDir: 'data/outbox' });
 * await mailer.send({ to: 'ada@example.edu', subject: 'Your code', text: '123456' });
 */
export function createMailer({ smtpUrl, outboxDir, from = DEFAULT_FROM, log = () => {} }: MailerOptions): Mailer {
  if (smtpUrl) return smtpMailer(smtpUrl, from);
  return outboxMailer(outboxDir, from, log);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  if (!/^smtps?:\/\//.test(smtpUrl)) {
    throw new Error('SMTP_URL must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.edu:587');
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close() {
      transport.close();
    },
  };
}

function outboxMailer(outboxDir: string, from: string, log: (line: string) => void): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(message) {
      const info = await transport.sendMail({ from, ...message });
      // A saved mail holds a login code: owner-only, like the database.
      ensurePrivateDir(outboxDir);
      const file = join(outboxDir, `${Date.now()}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      log(`mail to ${message.to} "${message.subject}" saved to ${file}`);
    },
    close() {
      transport.close();
    },
  };
}
