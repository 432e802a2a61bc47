import type { FactorContext } from '../../spi/factor.ts';
import type { PairedDevice } from './deviceAuth.ts';
import { isInbox } from './openPush.ts';
import { isPairedDevice, pushStorage } from './pushRecords.ts';
import { pollingStream } from './pollingStream.ts';
import { isAnswerable } from './pushState.ts';

/** One login waiting for the user's answer, as the phone shows it. Never which number is right. */
export interface PendingPush {
  attemptId: string;
  pushId: string;
  /** Three numbers to pick from; one of them is on the login page. */
  choices: string[];
  createdAt: number;
  expiresAt: number;
  from: { ip: string | null; network: string | null; browser: string };
  site: string;
}

/** The open pushes of the phone's user, newest first. */
export async function pendingPushes(context: FactorContext, device: PairedDevice): Promise<PendingPush[]> {
  const storage = pushStorage(context);
  const now = context.now();
  const inboxes = (await storage.records.list(device.userId, 'pending')).filter(isInbox);
  const listed = new Set(inboxes.flatMap((inbox) => inbox.data.open.filter((entry) => entry.expiresAt > now).map((entry) => entry.attemptId)));
  const pushes: PendingPush[] = [];
  for (const attemptId of listed) {
    const push = (await storage.attempts.read(attemptId))?.value.push;
    if (!push || push.userId !== device.userId || !isAnswerable(push, now)) continue;
    pushes.push({ attemptId, pushId: push.id, choices: push.choices, createdAt: push.createdAt, expiresAt: push.expiresAt, from: push.from, site: context.host.siteName() });
  }
  return pushes.sort((a, b) => b.createdAt - a.createdAt);
}

export interface FeedTiming {
  /** How often the stream looks at the database (any app instance may have opened a push). @default 1000 */
  checkEveryMs?: number;
  /** A comment line now and then keeps proxies from closing a quiet stream. @default 20000 */
  keepAliveMs?: number;
  /** The stream ends after this; the phone opens a new one with a fresh signature. @default 300000 */
  lifetimeMs?: number;
}

/**
 * The phone's Server-Sent Events: `pushes` with the full list whenever it changes (and once
 * at the start), `ping` to keep the connection, `unpaired` (then the end) when the phone was
 * removed. Reads the shared database, so a push opened on another app instance arrives too.
 * Times here are real time (the stream's pace), not the plugin's clock (what is open).
 */
export function deviceEvents(context: FactorContext, device: PairedDevice, timing: FeedTiming = {}): AsyncIterableIterator<{ event: string; data: unknown }> {
  const keepAliveMs = timing.keepAliveMs ?? 20_000;
  let last: string | null = null;
  let quietSince = Date.now();
  let unpaired = false;
  return pollingStream(
    async () => {
      if (unpaired) return 'end';
      const still = await pushStorage(context).records.get(device.userId, device.id);
      if (!still || !isPairedDevice(still)) {
        unpaired = true;
        return { event: 'unpaired', data: { message: 'This phone was removed from your account. Pair it again from your security page.' } };
      }
      const pushes = await pendingPushes(context, device);
      const shown = JSON.stringify(pushes.map((push) => push.pushId));
      if (shown !== last) {
        last = shown;
        quietSince = Date.now();
        return { event: 'pushes', data: { pushes } };
      }
      if (Date.now() - quietSince < keepAliveMs) return 'nothing';
      quietSince = Date.now();
      return { event: 'ping', data: {} };
    },
    { everyMs: timing.checkEveryMs ?? 1000, lifetimeMs: timing.lifetimeMs ?? 300_000 },
  );
}
