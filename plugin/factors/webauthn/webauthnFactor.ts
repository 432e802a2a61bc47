import type { AttemptView, FactorContext, FactorDevice, FactorInput, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { FactorRecords } from '../../spi/factorStorage.ts';
import type { HostUser } from '../../spi/host.ts';
import { type RelyingParty, relyingPartyFrom } from './relyingParty.ts';
import { isRegisteredCredential, toDevice, WEBAUTHN_FACTOR_ID, type WebauthnRecord } from './webauthnCredentials.ts';
import { beginRegistration, confirmRegistration, renameCredential, type WebauthnSetup } from './webauthnEnrolment.ts';
import { createLoginChallenge, credentialRecords, verifyLoginAssertion, type WebauthnLoginChallenge } from './webauthnLogin.ts';
import { webauthnCopy, webauthnPresentation } from './webauthnPresentation.ts';
import { webauthnSettings } from './webauthnSettings.ts';

/** What a login answers: startAuthentication()'s result, as an object or JSON text (validated in webauthnResponses.ts). */
export interface WebauthnInput extends FactorInput {
  response: unknown;
}

class WebauthnProvider implements FactorProvider<WebauthnSetup, WebauthnLoginChallenge, WebauthnInput> {
  private readonly records: FactorRecords<WebauthnRecord['data']>;
  private readonly rp: RelyingParty;

  constructor(private readonly context: FactorContext) {
    this.records = credentialRecords(context);
    this.rp = relyingPartyFrom(context.settings, context.host);
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.records.list(user.id)).some(isRegisteredCredential);
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /** Authentication options for this attempt; the challenge is kept in the attempt until answered or replaced. */
  async challenge(attempt: AttemptView, user: HostUser): Promise<WebauthnLoginChallenge> {
    return createLoginChallenge(this.context, this.rp, attempt, user);
  }

  /** `input.response`: what startAuthentication() returned, as an object or JSON text. */
  async verify(attempt: AttemptView, user: HostUser, input: WebauthnInput): Promise<VerifyOutcome> {
    return verifyLoginAssertion(this.context, this.rp, attempt, user, input);
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id)).filter(isRegisteredCredential).map(toDevice);
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, deviceId);
  }

  /** `input.label`: the name the user gives the key (optional here, may be given at confirm). */
  async beginSetup(user: HostUser, input: FactorInput): Promise<WebauthnSetup> {
    return beginRegistration(this.context, this.rp, user, input);
  }

  /** `input`: { setupId, response (startRegistration()'s result), label? }. */
  async confirmSetup(user: HostUser, input: FactorInput): Promise<FactorDevice> {
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
export const webauthnFactor: FactorProviderFactory<WebauthnSetup, WebauthnLoginChallenge, WebauthnInput> = {
  id: WEBAUTHN_FACTOR_ID,
  displayName: 'Security key or passkey',
  referenceCategory: 'webauthn',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: true, worksWithoutBrowser: false, phishingResistant: true, userSetupAllowed: true },
  copy: webauthnCopy,
  presentation: webauthnPresentation,
  settings: webauthnSettings,
  create: (context) => new WebauthnProvider(context),
};

