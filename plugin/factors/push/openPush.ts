import { randomInt } from 'node:crypto';
import { randomToken } from '../../crypto/tokens.ts';
import { MfaError } from '../../errors.ts';
import { describeBrowser } from '../../net/describeBrowser.ts';
import type { AttemptView, FactorContext } from '../../spi/factor.ts';
import { approximateNetwork } from './approximateNetwork.ts';
import { isPairedDevice, type PushInboxData, type PushRecord, pushStorage } from './pushRecords.ts';
import { pushRules } from './pushSettings.ts';
import { isPending, NO_PUSH, type OpenedPush, type PushAttemptState } from './pushState.ts';

/** What "Approve on my phone" gives the login page: the number to match, and until when. */
// A type, not an interface: the engine hands challenges on as plain records (an index signature).
export type PushChallenge = {
  pushId: string;
  number: string;
  expiresAt: number;
  /** The phones asked, by the names the user gave them. */
  devices: string[];
  /** True when this login already had an open request: the same one is shown, the phone is not asked again. */
  alreadyOpen: boolean;
};

/** Three different two-digit numbers, the right one at a random place (number matching). */
export function drawNumbers(): { number: string; choices: string[] } {
  const choices: string[] = [];
  while (choices.length < 3) {
    const candidate = String(randomInt(10, 100));
    if (!choices.includes(candidate)) choices.push(candidate);
  }
  return { number: choices[randomInt(0, 3)] ?? choices[0] ?? '10', choices };
}

const PUSH_LIMIT = 'pushes';
const HOUR_MS = 3600_000;
const ROUNDS = 4;

/**
 * Sends a push for the attempt, or gives back the one still open for it (ASVS 5.0 6.6.4:
 * one open request per login, and at most `max_pushes_per_hour` per user over all their
 * logins, so push bombing is bounded). Parallel clicks open one push and spend one unit.
 */
export async function openPush(context: FactorContext, attempt: AttemptView): Promise<PushChallenge> {
  const storage = pushStorage(context);
  const rules = pushRules(context.settings);
  const devices = (await storage.records.list(attempt.userId, 'confirmed')).filter(isPairedDevice).map((record) => record.label);
  if (devices.length === 0) throw new MfaError('FACTOR_NOT_AVAILABLE', 'No phone is paired with your account. Choose another way to verify.');
  for (let round = 0; round < ROUNDS; round++) {
    const now = context.now();
    const read = await storage.attempts.read(attempt.id);
    const state = read?.value ?? NO_PUSH;
    if (state.push && isPending(state.push, now)) {
      // Listed again in case the first listing lost every round to other writes: asking again shows it on the phone.
      if (state.push.status === 'open') await listInInbox(context, attempt.userId, { attemptId: attempt.id, expiresAt: state.push.expiresAt });
      return challengeOf(state.push, devices, true);
    }
    const { number, choices } = drawNumbers();
    const push: OpenedPush = {
      id: randomToken(16),
      userId: attempt.userId,
      number,
      choices,
      createdAt: now,
      expiresAt: Math.min(now + rules.answerMs, attempt.expiresAt),
      status: 'open',
      deviceId: null,
      answeredAt: null,
      from: { ip: attempt.ip, network: approximateNetwork(attempt.ip), browser: describeBrowser(attempt.userAgent) },
    };
    // The push is claimed for the attempt first, then the hourly unit is taken: parallel
    // clicks lose the swap and show the winner's push, so they spend no unit at all.
    if (!(await storage.attempts.swap(attempt.id, read, { push, sent: state.sent + 1 }))) continue;
    const unit = await storage.limits.take(attempt.userId, PUSH_LIMIT, rules.maxPushesPerHour, HOUR_MS);
    if (!unit.taken) {
      await withdraw(context, attempt.id, push.id, state);
      const minutes = Math.ceil(unit.retryAfterSeconds / 60);
      throw new MfaError(
        'RATE_LIMITED',
        `Too many requests were sent to your phone in the last hour. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}, or choose another way to verify.`,
        { field: 'push', retryAfterSeconds: unit.retryAfterSeconds },
      );
    }
    await listInInbox(context, attempt.userId, { attemptId: attempt.id, expiresAt: push.expiresAt });
    return challengeOf(push, devices, false);
  }
  throw new MfaError('RATE_LIMITED', 'A request is being sent to your phone right now. Wait a moment.', { field: 'push', retryAfterSeconds: 2 });
}

/** Puts back the state from before a push the hourly cap did not allow (unless it changed since: then it was never shown to a phone anyway). */
async function withdraw(context: FactorContext, attemptId: string, pushId: string, before: PushAttemptState): Promise<void> {
  const storage = pushStorage(context);
  const read = await storage.attempts.read(attemptId);
  if (read?.value.push?.id === pushId) await storage.attempts.swap(attemptId, read, before);
}

function challengeOf(push: OpenedPush, devices: string[], alreadyOpen: boolean): PushChallenge {
  return { pushId: push.id, number: push.number, expiresAt: push.expiresAt, devices, alreadyOpen };
}

/** Adds the attempt to the user's inbox (the one record the phones read), dropping entries that ended. */
async function listInInbox(context: FactorContext, userId: string, entry: PushInboxData['open'][number]): Promise<void> {
  const { records } = pushStorage(context);
  for (let round = 0; round < ROUNDS; round++) {
    const inbox = (await records.list(userId, 'pending')).find(isInbox);
    const now = context.now();
    if (!inbox) {
      await records.insert(userId, { label: 'Open requests', data: { kind: 'inbox', open: [entry] } });
      return;
    }
    if (inbox.data.open.some((listed) => listed.attemptId === entry.attemptId)) return;
    const open = [...inbox.data.open.filter((listed) => listed.expiresAt > now), entry];
    if (await records.update(inbox, { data: { kind: 'inbox', open } })) return;
  }
  throw new MfaError('RATE_LIMITED', 'Your phone could not be told right now. Choose “Approve on my phone” again in a moment.', { field: 'push', retryAfterSeconds: 2 });
}

export function isInbox(record: PushRecord): record is PushRecord & { data: PushInboxData } {
  return record.data.kind === 'inbox';
}
