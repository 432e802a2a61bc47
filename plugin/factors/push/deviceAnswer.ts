import { constantTimeEqual } from '../../crypto/tokens.ts';
import { isMfaError } from '../../errors.ts';
import type { FactorContext } from '../../spi/factor.ts';
import { type DeviceRefusal, findPairedDevice } from './deviceAuth.ts';
import { canonicalMessage, verifyDeviceSignature } from './deviceSignature.ts';
import { PUSH_FACTOR_ID, pushLogins, pushStorage } from './pushRecords.ts';
import { isAnswerable, NO_PUSH, type OpenedPush, type PushStatus } from './pushState.ts';

/** A phone's answer to a push: what it signs, field by field (canonicalMessage('answer', answerFields(...))). */
export interface DeviceAnswer {
  device: string;
  attemptId: string;
  pushId: string;
  decision: 'approve' | 'deny';
  /** The number picked; empty for Deny. */
  number: string;
  signature: string;
}

export function answerFields(answer: Omit<DeviceAnswer, 'signature'>): string[] {
  return [answer.device, answer.attemptId, answer.pushId, answer.decision, answer.number];
}

export type AnswerResult =
  | { outcome: 'approved'; message: string }
  | { outcome: 'denied'; message: string }
  | (DeviceRefusal & { outcome: 'refused'; triesLeft?: number });

const ANSWERED: Record<Exclude<PushStatus, 'open'>, string> = {
  approved: 'This login was already approved.',
  used: 'This login was already approved.',
  wrong: 'This request was already answered with a number that did not match.',
  refused: 'This request was already answered with a number that did not match.',
  denied: 'This login was already denied.',
};

function refused(status: DeviceRefusal['status'], error: string, message: string, extra: { triesLeft?: number } = {}): AnswerResult {
  return { outcome: 'refused', status, error, message, ...extra };
}

/**
 * A phone answers a push. Checked in this order, each with its own refusal: the phone is a
 * confirmed device (its handle), the answer is signed by its key over every field, the
 * login is its user's, the push is the one open for that login and still in time, then the
 * decision. The push moves on by one compare-and-swap from the state read: a replayed
 * answer, or the slower of two answers, finds it answered.
 *
 * Right number: the push is approved; the login page (or the app polling the token door)
 * passes it with its own verify. Wrong number: counted toward the lockout through the
 * engine at once, so an attacker's login cannot skip the count by never asking. Deny: the
 * login is reported as not the user's ("This wasn't me": cancelled, audited, sessions ended, mailed).
 */
export async function answerPush(context: FactorContext, answer: DeviceAnswer, from: { ip: string | null }): Promise<AnswerResult> {
  const device = await findPairedDevice(context, answer.device);
  if ('status' in device) return { outcome: 'refused', ...device };
  if (!verifyDeviceSignature(device.data.key, canonicalMessage('answer', answerFields(answer)), answer.signature)) {
    return refused(401, 'bad_signature', 'This answer was not signed by this phone’s key. Nothing was approved.');
  }
  const logins = pushLogins(context);
  const attempt = await logins.find(answer.attemptId);
  const storage = pushStorage(context);
  const read = await storage.attempts.read(answer.attemptId);
  const push = read?.value.push ?? null;
  if (!attempt || !push || push.userId !== device.userId || attempt.userId !== device.userId) {
    return refused(403, 'not_your_login', 'This phone is not paired with the account of that login. Nothing was approved.');
  }
  if (push.id !== answer.pushId) return refused(410, 'replaced', 'This request was replaced by a newer one. Answer the newest request.');
  if (push.status !== 'open') return refused(409, 'already_answered', ANSWERED[push.status]);
  const now = context.now();
  if (!isAnswerable(push, now)) return refused(410, 'expired', 'This request expired before it was answered. On the computer, choose “Approve on my phone” again.');

  const right = answer.decision === 'approve' && constantTimeEqual(answer.number, push.number);
  const status: PushStatus = answer.decision === 'deny' ? 'denied' : right ? 'approved' : 'wrong';
  const next: OpenedPush = { ...push, status, deviceId: device.id, answeredAt: now };
  if (!(await storage.attempts.swap(answer.attemptId, read, { ...(read?.value ?? NO_PUSH), push: next }))) {
    const after = (await storage.attempts.read(answer.attemptId))?.value.push;
    const message = after && after.id === push.id && after.status !== 'open' ? ANSWERED[after.status] : 'This request changed while you answered. Look at the newest request.';
    return refused(409, 'already_answered', message);
  }
  await storage.records.update(device, { lastUsedAt: now });

  if (status === 'approved') return { outcome: 'approved', message: 'Approved. The login continues on the computer.' };
  if (status === 'denied') {
    await logins.reportNotMe(answer.attemptId, { ip: from.ip });
    return { outcome: 'denied', message: 'Denied. We stopped that login and signed your account out everywhere. Whoever started it knows your password: change it now.' };
  }
  return countWrongNumber(context, answer.attemptId, from);
}

async function countWrongNumber(context: FactorContext, attemptId: string, from: { ip: string | null }): Promise<AnswerResult> {
  const message = 'That was not the number on the login page, so the login was not approved.';
  try {
    await pushLogins(context).verify(attemptId, PUSH_FACTOR_ID, {}, from);
  } catch (error) {
    if (isMfaError(error, 'FACTOR_LOCKED')) return refused(403, 'wrong_number', `${message} Approving on this phone is now locked for your account after too many wrong answers.`, { triesLeft: 0 });
    if (isMfaError(error, 'INVALID_CODE')) {
      const triesLeft = typeof error.details.triesLeft === 'number' ? error.details.triesLeft : undefined;
      return refused(403, 'wrong_number', `${message} If you did not start it, choose Deny next time.`, triesLeft === undefined ? {} : { triesLeft });
    }
    if (!isMfaError(error, 'ATTEMPT_EXPIRED') && !isMfaError(error, 'INVALID_INPUT')) throw error;
  }
  return refused(403, 'wrong_number', message);
}
