import { MfaError } from '../../errors.ts';
import type { FactorContext, FactorDevice } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { normalizePairingCode, PAIRING_CODE_PURPOSE, PAIRING_CODE_TRIES, pairingCodeMatches } from './pairingCode.ts';
import { pendingPairing } from './pairing.ts';
import { PUSH_FACTOR_ID, pushStorage } from './pushRecords.ts';

/** Each lost compare-and-swap means another request for this pairing wrote first; a handful of rounds outlasts any that a person's browser sends. */
const ROUNDS = 8;

/**
 * The owner's security page confirms the phone that opened the link, by the code that phone
 * shows: only now does the phone count at login (and the engine records factor_added, which
 * mails the user). The page is a logged-in session with a recent MFA pass, and the door asks
 * for its CSRF token; the phone confirms nothing. A QR link photographed or overheard by
 * someone else, opened on their phone first, pairs nothing: the owner never sees that phone's
 * code, and after `PAIRING_CODE_TRIES` wrong codes the pairing and that phone's key are gone.
 */
export async function confirmPairing(context: FactorContext, user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
  const { records } = pushStorage(context);
  for (let round = 0; round < ROUNDS; round++) {
    const record = await pendingPairing(context, user.id, input.setupId);
    const pairing = record?.data.pairing;
    if (!record || !pairing) throw new MfaError('SETUP_EXPIRED', 'This pairing is no longer open. Choose “Pair a phone” again.');
    const now = context.now();
    if (record.data.key === null) {
      if (now >= pairing.expiresAt) throw new MfaError('SETUP_EXPIRED', 'The pairing code expired before a phone used it. Choose “Pair a phone” again.');
      throw new MfaError('INVALID_INPUT', 'No phone has paired yet. Scan the code with your phone’s camera and open the link; this page moves on by itself.', { field: 'setupId', approval: 'waiting' });
    }
    if (!pairing.code || pairing.code.wrongTries >= PAIRING_CODE_TRIES) throw new MfaError('SETUP_EXPIRED', 'This pairing no longer works. Choose “Pair a phone” again.');
    if (now >= pairing.expiresAt) throw new MfaError('SETUP_EXPIRED', 'The code on the phone expired before it was typed here. Choose “Pair a phone” again.');
    const typed = normalizePairingCode(input.code);
    if (typed === null) throw new MfaError('INVALID_INPUT', 'Type the 6-digit code the phone shows.', { field: 'code' });

    if (!pairingCodeMatches(context.keyedHash(PAIRING_CODE_PURPOSE), pairing.code.hash, record.id, typed)) {
      const wrongTries = pairing.code.wrongTries + 1;
      // Counted by compare-and-swap: wrong codes sent at once each count, none is lost.
      if (!(await records.update(record, { data: { ...record.data, pairing: { ...pairing, code: { ...pairing.code, wrongTries } } } }))) continue;
      const left = PAIRING_CODE_TRIES - wrongTries;
      if (left > 0) throw new MfaError('INVALID_CODE', `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left.`, { field: 'code', triesLeft: left });
      // Void: the phone that opened the link (whoever's it was) keeps no half-paired key here.
      await records.remove(user.id, record.id);
      throw new MfaError('INVALID_CODE', 'That code is not right, and this pairing no longer works. Choose “Pair a phone” again, and type the code your own phone shows.', { field: 'code', triesLeft: 0 });
    }

    // Spent and confirmed in one swap: two submits of the right code pair the phone once.
    if (!(await records.update(record, { confirmed: true, lastUsedAt: now, data: { ...record.data, pairing: null } }))) continue;
    return { id: record.id, factor: PUSH_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: now };
  }
  throw new MfaError('SETUP_EXPIRED', 'This pairing was changed in another window while you typed. Check your security page.');
}
