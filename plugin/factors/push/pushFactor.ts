import type { AttemptView, FactorContext, FactorState, FactorDevice, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { openPush, type PushChallenge } from './openPush.ts';
import { confirmPairing } from './confirmPairing.ts';
import { beginPairing, type PushSetup, resumePairing } from './pairing.ts';
import { pushCopy, pushPresentation } from './pushPresentation.ts';
import { isPairedDevice, PUSH_FACTOR_ID, pushStorage } from './pushRecords.ts';
import { pushSettings } from './pushSettings.ts';
import { spendApproval } from './spendApproval.ts';

class PushProvider implements FactorProvider<PushSetup, PushChallenge> {
  constructor(private readonly context: FactorContext) {}

  private async devices(userId: string) {
    return (await pushStorage(this.context).records.list(userId, 'confirmed')).filter(isPairedDevice);
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.devices(user.id)).length > 0;
  }

  /**
   * What the waiting door asks without spending anything (prompt kind 'approval'): 'pass'
   * once a phone approved with the right number (the door then spends it through verify),
   * 'fail' once denied, 'unknown' while waiting (a wrong number or an expired request too:
   * the login page offers a new request, the login itself stands).
   */
  async state(attempt: AttemptView): Promise<FactorState> {
    const push = (await pushStorage(this.context).attempts.read(attempt.id))?.value.push;
    if (push?.status === 'approved') return 'pass';
    return push?.status === 'denied' ? 'fail' : 'unknown';
  }

  /** "Approve on my phone": a push bound to this attempt, or the one already open for it. */
  async challenge(attempt: AttemptView): Promise<PushChallenge> {
    return openPush(this.context, attempt);
  }

  /** The waiting client (login page, app at the token door) spends the phone's approval. */
  async verify(attempt: AttemptView): Promise<VerifyOutcome> {
    return spendApproval(this.context, attempt);
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.devices(user.id)).map((record) => ({ id: record.id, factor: PUSH_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt }));
  }

  async rename(user: HostUser, deviceId: number, label: string): Promise<boolean> {
    const { records } = pushStorage(this.context);
    for (let round = 0; round < 3; round++) {
      const record = await records.get(user.id, deviceId);
      if (!record || !isPairedDevice(record)) return false;
      if (await records.update(record, { label })) return true;
    }
    return false;
  }

  /** Unpairs a phone: its key is gone, so its next request (stream, answer) is refused. */
  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    const { records } = pushStorage(this.context);
    const record = await records.get(user.id, deviceId);
    if (!record || record.data.kind !== 'device') return false;
    return records.remove(user.id, deviceId);
  }

  async beginSetup(user: HostUser, input: Record<string, unknown>): Promise<PushSetup> {
    return beginPairing(this.context, user, input);
  }

  async resumeSetup(user: HostUser, input: Record<string, unknown>): Promise<PushSetup | null> {
    return resumePairing(this.context, user, input);
  }

  /** `input.setupId`: the pairing the security page showed; `input.code`: the code the phone that opened its link shows. */
  async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    return confirmPairing(this.context, user, input);
  }
}

/**
 * Approval on a paired phone with number matching (Mediaflux's "Pocket" pattern, without an
 * app store: the phone's page is an installable web app holding a non-extractable P-256
 * key). The login page shows two digits; the phone offers three numbers and Deny; the
 * answer is signed by the phone's key. Everything about it is in this folder.
 *
 * @example
 * const mfa = createMfaPlugin({ db, host, secretKey, factors: [...builtInFactors] }); // push is built in
 * await mfa.settings.set('factor.push.enabled', true, 'admin');
 */
export const pushFactor: FactorProviderFactory<PushSetup, PushChallenge> = {
  id: PUSH_FACTOR_ID,
  displayName: pushCopy.displayName,
  referenceCategory: 'push',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: true, worksWithoutBrowser: true, phishingResistant: true, userSetupAllowed: true },
  copy: pushCopy,
  settings: pushSettings,
  presentation: pushPresentation,
  create: (context) => new PushProvider(context),
};
