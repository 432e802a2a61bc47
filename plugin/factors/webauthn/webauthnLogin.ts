import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { AttemptView, FactorContext, FactorInput, VerifyOutcome } from '../../spi/factor.ts';
import type { FactorAttemptState, FactorRecords } from '../../spi/factorStorage.ts';
import type { HostUser } from '../../spi/host.ts';
import { type LoginChallengeState, LoginChallenges } from './loginChallenges.ts';
import type { RelyingParty } from './relyingParty.ts';
import { checkSignatureCounter } from './signatureCounter.ts';
import { claimedChallenge, readAuthenticationResponse } from './webauthnResponses.ts';
import { credentialDataOf, credentialOf, isRegisteredCredential, WEBAUTHN_FACTOR_ID, type WebauthnRecord } from './webauthnCredentials.ts';

export function credentialRecords(context: FactorContext): FactorRecords<WebauthnRecord['data']> {
  return context.storage.records as FactorRecords<WebauthnRecord['data']>;
}

function loginChallenges(context: FactorContext): LoginChallenges {
  return new LoginChallenges(context.storage.attempts as FactorAttemptState<LoginChallengeState>);
}

/** What the browser needs for navigator.credentials.get(), via @simplewebauthn/browser's startAuthentication({ optionsJSON }). */
export type WebauthnLoginChallenge = {
  options: PublicKeyCredentialRequestOptionsJSON;
  expiresAt: number;
};

const NOT_RECOGNISED = 'That security key or passkey is not one registered to your account, or its answer could not be verified.';
const ASK_AGAIN = 'That security key request has expired or was already answered. Try again.';

/** Options for one login: only this user's credentials are allowed (§7.2 step 5), with a fresh challenge bound to the attempt. */
export async function createLoginChallenge(context: FactorContext, rp: RelyingParty, attempt: AttemptView, user: HostUser): Promise<WebauthnLoginChallenge> {
  const records = (await credentialRecords(context).list(user.id)).filter(isRegisteredCredential);
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: records.map((record) => ({ id: record.key ?? '', transports: credentialDataOf(record).transports })),
    userVerification: rp.userVerification,
    timeout: rp.timeoutMs,
  });
  // The challenge expires with the browser's timeout, and never outlives the attempt.
  const expiresAt = Math.min(context.now() + rp.timeoutMs, attempt.expiresAt);
  await loginChallenges(context).issue(attempt.id, options.challenge, expiresAt);
  return { options, expiresAt };
}

/**
 * Checks an assertion against the attempt's challenge (WebAuthn Level 2 §7.2). The
 * challenge is taken before anything else is checked, so any answer spends it.
 */
export async function verifyLoginAssertion(
  context: FactorContext,
  rp: RelyingParty,
  attempt: AttemptView,
  user: HostUser,
  input: FactorInput,
): Promise<VerifyOutcome> {
  const response = readAuthenticationResponse(input);
  const taken = await loginChallenges(context).take(attempt.id);
  if (taken.kind === 'spent' && response && claimedChallenge(response) === taken.challenge) {
    return { verified: false, reason: 'replayed', message: 'That security key answer was used already. Try again.' };
  }
  if (taken.kind !== 'taken') return { verified: false, reason: 'expired', message: ASK_AGAIN };
  if (taken.expiresAt <= context.now()) return { verified: false, reason: 'expired', message: ASK_AGAIN };
  if (!response) return { verified: false, reason: 'invalid', message: NOT_RECOGNISED };

  const records = credentialRecords(context);
  const record = await records.findByKey(response.id);
  // §7.2 steps 5-6: the credential must be one of this user's, and name this user's handle when it names one.
  if (!record || !isRegisteredCredential(record) || record.userId !== user.id) return { verified: false, reason: 'invalid', message: NOT_RECOGNISED };
  const userHandle = response.response.userHandle;
  if (userHandle && userHandle !== credentialDataOf(record).userHandle) return { verified: false, reason: 'invalid', message: NOT_RECOGNISED };

  let receivedCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: taken.challenge, // step 12
      expectedOrigin: rp.origin, // step 13
      expectedRPID: rp.id, // step 15
      // Step 16 (user present) is always checked; step 17 (user verified) only when the admin requires it.
      requireUserVerification: rp.userVerification === 'required',
      // Counter 0 turns SimpleWebAuthn's own counter check off: it would throw before the
      // signature is checked, and we only want to cry "cloned key" over a genuine signature.
      credential: { ...credentialOf(record), counter: 0 },
    });
    if (!result.verified) return { verified: false, reason: 'invalid', message: NOT_RECOGNISED };
    receivedCounter = result.authenticationInfo.newCounter;
  } catch {
    return { verified: false, reason: 'invalid', message: NOT_RECOGNISED };
  }

  const now = context.now();
  const storedCounter = credentialDataOf(record).counter ?? 0;
  const verdict = checkSignatureCounter(storedCounter, receivedCounter);
  let moved = false;
  if (verdict === 'not_counted') {
    // Last use is a note, not a guard (the challenge, taken once, already stopped a replay).
    await records.update(record, { lastUsedAt: now });
    moved = true;
  } else if (verdict === 'advanced') {
    // Compare-and-swap from the record as read: a parallel login that moved the counter first makes this one a regression.
    moved = await records.update(record, { data: { ...record.data, counter: receivedCounter }, lastUsedAt: now });
  }
  if (!moved) {
    // Step 21: a counter that did not move forward means two authenticators may hold this key.
    await context.audit.record({
      event: 'webauthn_counter_regressed',
      userId: user.id,
      factor: WEBAUTHN_FACTOR_ID,
      door: attempt.door,
      ip: attempt.ip,
      detail: { deviceId: record.id, storedCounter, receivedCounter },
    });
    return { verified: false, reason: 'invalid', message: 'This security key could not be trusted: it may have been copied. Use another way to verify, and tell your administrator.' };
  }
  return { verified: true, deviceId: record.id };
}
