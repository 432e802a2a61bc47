import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { MfaError } from '../../errors.ts';

const base64url = z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]+$/);
const transports = z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(10);
const attachment = z.enum(['platform', 'cross-platform']).optional();

/** The fields every PublicKeyCredential JSON has, whatever the ceremony. */
const credentialFields = {
  id: base64url,
  rawId: base64url,
  type: z.literal('public-key'),
  authenticatorAttachment: attachment,
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

/** What @simplewebauthn/browser's startAuthentication() posts back, checked at the edge (STYLE.md: zod at the boundary). */
const authenticationResponseSchema = z.object({
  ...credentialFields,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
});

/** What startRegistration() posts back. */
const registrationResponseSchema = z.object({
  ...credentialFields,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    transports: transports.optional(),
    authenticatorData: base64url.optional(),
    publicKey: base64url.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});

/** A response arrives as an object (JSON endpoint) or as JSON text (a hidden form field). */
function unwrap(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function missing(): MfaError {
  return new MfaError('INVALID_INPUT', 'Use your security key or passkey when your browser asks for it.', { field: 'response' });
}

/** The assertion in `input.response`; null when it is there but malformed (a wrong answer, counted as such). */
export function readAuthenticationResponse(input: Readonly<Record<string, unknown>>): AuthenticationResponseJSON | null {
  if (input.response === undefined || input.response === null || input.response === '') throw missing();
  const parsed = authenticationResponseSchema.safeParse(unwrap(input.response));
  return parsed.success ? (parsed.data as AuthenticationResponseJSON) : null;
}

/** The attestation in `input.response`; INVALID_INPUT when absent or malformed (nothing is counted at enrolment). */
export function readRegistrationResponse(input: Readonly<Record<string, unknown>>): RegistrationResponseJSON {
  if (input.response === undefined || input.response === null || input.response === '') throw missing();
  const parsed = registrationResponseSchema.safeParse(unwrap(input.response));
  if (!parsed.success) throw new MfaError('INVALID_INPUT', 'Your browser sent a security key answer this site cannot read. Try again.', { field: 'response' });
  return parsed.data as RegistrationResponseJSON;
}

/** The challenge a response claims to answer (clientDataJSON.challenge), to tell a replay from a stale page. */
export function claimedChallenge(response: AuthenticationResponseJSON): string | null {
  try {
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' ? clientData.challenge : null;
  } catch {
    return null;
  }
}
