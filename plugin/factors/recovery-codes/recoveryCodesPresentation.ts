import type { CardStatus, FactorCopy, FactorPresentation } from '../../spi/factorPresentation.ts';
import type { RecoveryCodesLeft, RecoveryCodesSetup } from './recoveryCodesSetup.ts';

/** The words for recovery codes. */
export const recoveryCodesCopy: FactorCopy = {
  displayName: 'Recovery codes',
  addedMessage: 'Your new recovery codes are ready. Any older codes no longer work.',
  removedMessage: 'The device was removed from your account.',
  addedActivity: 'New recovery codes were made (older ones stopped working)',
  activity: {
    recovery_code_used: (detail) => (typeof detail.remaining === 'number' ? `A recovery code was used (${detail.remaining} left)` : 'A recovery code was used'),
  },
};

/** After a recovery code let the user in: how many remain, and where to make more. */
export function recoveryCodeUsedMessage(left: RecoveryCodesLeft): string {
  const count = `${left.remaining} recovery ${left.remaining === 1 ? 'code' : 'codes'} left`;
  return left.runningLow
    ? `You logged in with a recovery code. You have ${count}: generate a new set below, and set up your device again if you lost it.`
    : `You logged in with a recovery code. You have ${count}. If you lost your device, set it up again below.`;
}

/** The card's line: how many are left, and a warning when few are. */
export function recoveryCodesCardStatus(left: RecoveryCodesLeft): CardStatus {
  if (left.total === 0) return { line: 'Recovery codes let you log in when you don’t have your device.' };
  return {
    line: `${left.remaining} of ${left.total} recovery codes left.`,
    warning: left.runningLow ? 'You are running out of recovery codes. Generate a new set.' : undefined,
    button: 'Generate new recovery codes',
  };
}

/** `2026-11-23 09:00 UTC`. */
function utcMinute(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A new set shown this once, with copy and download; the old set works until "I have saved these codes". */
export const recoveryCodesPresentation: FactorPresentation<RecoveryCodesSetup> = {
  prompt: {
    kind: 'code',
    label: 'Recovery code',
    hint: 'Enter one of the recovery codes you saved (like abcd-efgh-ijkl-mnop). Each code works once.',
    inputMode: 'text',
    maxLength: 24,
  },
  card: { title: 'Recovery codes', text: '', button: 'Generate recovery codes', backup: true },
  presentSetup: (setup) => ({
    title: 'Your recovery codes',
    blocks: [
      { kind: 'text', text: 'Save these codes now: this is the only time they are shown. Each works once, when you don’t have your device.' },
      { kind: 'codes', values: setup.codes, download: { filename: 'recovery-codes.txt', title: 'Recovery codes' } },
      ...(setup.replacesRemaining > 0 ? [{ kind: 'text' as const, text: `Your ${setup.replacesRemaining} unused old codes stop working once you confirm.` }] : []),
      { kind: 'text', text: `Confirm by ${utcMinute(setup.expiresAt)}, or these codes are dropped.` },
    ],
    confirm: { kind: 'acknowledge', button: 'I have saved these codes' },
    carry: { setupId: String(setup.setupId) },
    containsSecret: true,
  }),
};
