import { MfaError } from '../../errors.ts';
import type { AttemptView, FactorContext, VerifyOutcome } from '../../spi/factor.ts';
import { pushStorage } from './pushRecords.ts';
import { approvalStateOf, NO_PUSH } from './pushState.ts';
import { WAITING_MESSAGES } from './waitingLogin.ts';

/**
 * The waiting client's own verify (engine.verify → provider.verify): an approval from the
 * phone is spent here, once, by the request that then gets the session or token. A wrong
 * number the phone's answer has not had counted yet is counted here (once: the swap). While
 * there is nothing to spend, INVALID_INPUT: waiting is no guess, so the engine gives the try back.
 */
export async function spendApproval(context: FactorContext, attempt: AttemptView): Promise<VerifyOutcome> {
  const storage = pushStorage(context);
  const read = await storage.attempts.read(attempt.id);
  const state = read?.value ?? NO_PUSH;
  const push = state.push;
  const now = context.now();
  if (push?.status === 'approved' || push?.status === 'wrong') {
    const spent = await storage.attempts.swap(attempt.id, read, { ...state, push: { ...push, status: push.status === 'approved' ? 'used' : 'refused' } });
    // Another request of this login (a second tab) spent it first; that one is no guess either.
    if (!spent) throw new MfaError('INVALID_INPUT', 'This approval was used by another window of this login.', { field: 'push', approval: 'none' });
    if (push.status === 'wrong') return { verified: false, reason: 'invalid', message: 'The number picked on your phone was not the one shown on the login page.' };
    return push.deviceId === null ? { verified: true } : { verified: true, deviceId: push.deviceId };
  }
  const waiting = approvalStateOf(push, now);
  throw new MfaError('INVALID_INPUT', WAITING_MESSAGES[waiting], { field: 'push', approval: waiting === 'approved' ? 'waiting' : waiting });
}
