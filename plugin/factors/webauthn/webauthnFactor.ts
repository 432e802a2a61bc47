import type { AttemptView, FactorContext, FactorDevice, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { UserFactorRecords } from '../../store/userFactorRecords.ts';
import { type RelyingParty, relyingPartyFrom } from './relyingParty.ts';
import { isRegisteredCredential, toDevice, WEBAUTHN_FACTOR_ID } from './webauthnCredentials.ts';
import { beginRegistration, confirmRegistration, renameCredential, type WebauthnSetup } from './webauthnEnrolment.ts';
import { createLoginChallenge, verifyLoginAssertion, type WebauthnLoginChallenge } from './webauthnLogin.ts';
import { webauthnCopy, webauthnPresentation } from './webauthnPresentation.ts';

class WebauthnProvider implements FactorProvider {
  private readonly records: UserFactorRecords;
  private readonly rp: RelyingParty;

  constructor(private readonly context: FactorContext) {
    this.records = new UserFactorRecords(context.db);
    this.rp = relyingPartyFrom(context.settings, context.host);
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.records.countConfirmed(user.id, WEBAUTHN_FACTOR_ID)) > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /** Authentication options for this attempt; the challenge is kept in the attempt until answered or replaced. */
  async challenge(attempt: AttemptView, user: HostUser): Promise<WebauthnLoginChallenge> {
    return createLoginChallenge(this.context, this.rp, attempt, user);
  }

  /** `input.response`: what startAuthentication() returned, as an object or JSON text. */
  async verify(attempt: AttemptView, user: HostUser, input: Record<string, unknown>): Promise<VerifyOutcome> {
    return verifyLoginAssertion(this.context, this.rp, attempt, user, input);
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id, WEBAUTHN_FACTOR_ID)).filter(isRegisteredCredential).map(toDevice);
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, WEBAUTHN_FACTOR_ID, deviceId);
  }

  /** `input.label`: the name the user gives the key (optional here, may be given at confirm). */
  async beginSetup(user: HostUser, input: Record<string, unknown>): Promise<WebauthnSetup> {
    return beginRegistration(this.context, this.rp, user, input);
  }

  /** `input`: { setupId, response (startRegistration()'s result), label? }. */
  async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    return confirmRegistration(this.context, this.rp, user, input);
  }

  /** Renames one of the user's keys; false when it is not theirs. */
  async rename(user: HostUser, deviceId: number, label: string): Promise<boolean> {
    return renameCredential(this.context, user, deviceId, label);
  }
}

/**
 * Security keys and passkeys (W3C Web Authentication Level 2), via SimpleWebAuthn.
 *
 * @example
 * const mfa = createMfaPlugin({ db, host, secretKey, factors: [webauthnFactor] });
 */
export const webauthnFactor: FactorProviderFactory = {
  id: WEBAUTHN_FACTOR_ID,
  displayName: 'Security key or passkey',
  referenceCategory: 'webauthn',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: true, worksWithoutBrowser: false, phishingResistant: true, userSetupAllowed: true },
  copy: webauthnCopy,
  presentation: webauthnPresentation,
  create: (context) => new WebauthnProvider(context),
};

