import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  /** Every message as it arrived, raw. */
  received: string[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server on loopback that keeps the raw mails it receives. `port` 0 takes any
 * free one; giving the port of a stopped sink (and its `received`) starts it again where
 * the site expects it, as a mail server that comes back.
 */
export async function startSmtpSink(options: { port?: number; received?: string[] } = {}): Promise<SmtpSink> {
  const received = options.received ?? [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
