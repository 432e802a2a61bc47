import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createMailer } from '../../adapters/mail/createMailer.ts';

interface ReceivedMail {
  user: string | undefined;
  from: string | undefined;
  to: string[];
  raw: string;
}

/** A real SMTP server on a random local port that accepts only user/pass and keeps what it receives. */
async function startSmtpServer(): Promise<{ port: number; received: ReceivedMail[]; stop(): Promise<void> }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'user' && auth.password === 'pass') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          user: session.user as string | undefined,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('mailer over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(async () => {
    await smtp.stop();
  });

  it('delivers the subject and body to the SMTP server, logged in with the credentials from the URL', async () => {
    const mailer = createMailer({
      smtpUrl: `smtp://user:pass@127.0.0.1:${smtp.port}`,
      outboxDir: join(tmpdir(), 'unused-outbox'),
      from: 'LMS <lms@example.edu>',
    });
    try {
      await mailer.send({ to: 'ada@example.edu', subject: 'Your sign-in code', text: 'Your code is 482913.' });
    } finally {
      mailer.close();
    }
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.equal(mail?.user, 'user');
    assert.equal(mail?.from, 'lms@example.edu');
    assert.deepEqual(mail?.to, ['ada@example.edu']);
    assert.match(mail?.raw ?? '', /^Subject: Your sign-in code\r?$/m);
    assert.match(mail?.raw ?? '', /Your code is 482913\./);
  });

  it('fails when the server refuses the credentials', async () => {
    const mailer = createMailer({ smtpUrl: `smtp://user:wrong@127.0.0.1:${smtp.port}`, outboxDir: join(tmpdir(), 'unused-outbox') });
    try {
      await assert.rejects(mailer.send({ to: 'ada@example.edu', subject: 'x', text: 'y' }), /Invalid username or password|auth/i);
    } finally {
      mailer.close();
    }
  });

  it('refuses an SMTP URL that is not smtp:// or smtps://', () => {
    assert.throws(() => createMailer({ smtpUrl: 'http://mail.example.edu', outboxDir: 'x' }), /smtp:\/\/ or smtps:\/\//);
  });
});

describe('mailer without SMTP (outbox)', () => {
  it('saves each mail as a readable .eml file in a directory it creates, and logs where without the body', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mfa-outbox-'));
    const outboxDir = join(root, 'data', 'outbox');
    const lines: string[] = [];
    const mailer = createMailer({ outboxDir, log: (line) => lines.push(line) });
    try {
      await mailer.send({ to: 'ada@example.edu', subject: 'Your sign-in code', text: 'Your code is 482913.' });
      await mailer.send({ to: 'bob@example.edu', subject: 'Second', text: 'Another code 777111.' });
      const files = readdirSync(outboxDir).sort();
      assert.equal(files.length, 2);
      for (const file of files) assert.match(file, /^\d+-[0-9a-f]+\.eml$/);
      const emls = files.map((file) => readFileSync(join(outboxDir, file), 'utf8'));
      const ada = emls.find((eml) => /^To: ada@example\.edu\r?$/m.test(eml));
      assert.ok(ada, 'a mail addressed to ada');
      assert.match(ada, /^Subject: Your sign-in code\r?$/m);
      assert.match(ada, /^From: "?mfa-bridge"? <no-reply@localhost>\r?$/m);
      assert.match(ada, /Your code is 482913\./);

      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? '', /^mail to ada@example\.edu "Your sign-in code" saved to .+\.eml$/);
      assert.ok(lines[0]?.includes(outboxDir), 'the log line names the file');
      for (const line of lines) assert.doesNotMatch(line, /482913|777111|code is/);
    } finally {
      mailer.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
