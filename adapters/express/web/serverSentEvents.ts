import type { Request, Response } from 'express';
import { outsideOperationScope } from '../../../plugin/store/operationScope.ts';

/** A comment line every 15 s keeps proxies (and the browser) from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

/**
 * Sends `events` as Server-Sent Events (text/event-stream; WHATWG HTML §9.2) until the
 * iterator ends or the client leaves; leaving calls the iterator's `return`, so the
 * producer's `finally` runs and nothing keeps polling for a closed page. Each event is
 * made outside the request's operation scope: a stream looks at the database again and
 * again, and must see what changed, not what the request read first.
 */
export async function sendServerSentEvents(req: Request, res: Response, events: AsyncIterable<{ event: string; data: unknown }>): Promise<void> {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    // nginx buffers responses unless told not to; a buffered stream is no stream.
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  const iterator = events[Symbol.asyncIterator]();
  let closed = false;
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    void iterator.return?.();
  };
  req.on('close', stop);
  try {
    for (;;) {
      const next = await outsideOperationScope(() => iterator.next());
      if (closed || next.done) break;
      // One `data:` line: JSON has no raw newlines, and event names are the factor's own words.
      res.write(`event: ${next.value.event.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(next.value.data)}\n\n`);
    }
  } finally {
    stop();
    if (!res.writableEnded) res.end();
  }
}
