import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/** Authenticator data flags (WebAuthn §6.1). */
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL_DATA = 0x40;

interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
}

export interface SoftAuthenticatorOptions {
  origin: string;
  /** False for authenticators that keep no signature counter (they always send 0). */
  countsSignatures?: boolean;
  userVerified?: boolean;
}

export interface AssertionOverrides {
  credentialId?: string;
  /** The signature counter to send, instead of the next one. */
  counter?: number;
  origin?: string;
  rpId?: string;
  userPresent?: boolean;
  userVerified?: boolean;
  userHandle?: string;
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/**
 * An ES256 authenticator in Node, with real keys and real signatures (WebAuthn §6.1 data
 * layout, `none` attestation): the plugin's tests check genuine ceremonies without a
 * browser. The Chromium suite does the same with the browser's own virtual authenticator.
 */
export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>();

  constructor(private readonly options: SoftAuthenticatorOptions) {}

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): string {
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }

  private flags(present: boolean, verified: boolean): number {
    return (present ? USER_PRESENT : 0) | (verified ? USER_VERIFIED : 0);
  }

  /** navigator.credentials.create(), as startRegistration() would return it. */
  register(creation: PublicKeyCredentialCreationOptionsJSON, overrides: { credentialId?: Buffer; origin?: string } = {}): RegistrationResponseJSON {
    const rpId = creation.rp.id ?? new URL(this.options.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    const credentialId = overrides.credentialId ?? randomBytes(16);
    const authData = Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([this.flags(true, this.options.userVerified ?? true) | ATTESTED_CREDENTIAL_DATA]),
      uint32(0),
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([credentialId.length >> 8, credentialId.length & 0xff]),
      credentialId,
      Buffer.from(isoCBOR.encode(coseKey)),
    ]);
    const attestationObject = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, never>>([['fmt', 'none'], ['attStmt', new Map<string, never>()], ['authData', authData]]));
    const id = b64url(credentialId);
    this.credentials.set(id, { id, privateKey, rpId, userHandle: creation.user.id, counter: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: this.clientData('webauthn.create', creation.challenge, overrides.origin ?? this.options.origin),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get(), as startAuthentication() would return it. */
  assert(request: PublicKeyCredentialRequestOptionsJSON, overrides: AssertionOverrides = {}): AuthenticationResponseJSON {
    const id = overrides.credentialId ?? request.allowCredentials?.[0]?.id ?? [...this.credentials.keys()][0] ?? '';
    const credential = this.credentials.get(id);
    if (!credential) throw new Error(`the soft authenticator holds no credential ${id}`);
    if (overrides.counter !== undefined) credential.counter = overrides.counter;
    else if (this.options.countsSignatures ?? true) credential.counter += 1;
    const authData = Buffer.concat([
      createHash('sha256').update(overrides.rpId ?? credential.rpId).digest(),
      Buffer.from([this.flags(overrides.userPresent ?? true, overrides.userVerified ?? this.options.userVerified ?? true)]),
      uint32(credential.counter),
    ]);
    const clientDataJSON = this.clientData('webauthn.get', request.challenge, overrides.origin ?? this.options.origin);
    const clientDataHash = createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest();
    // ECDSA in DER, as §6.5.5 (packed/ES256 signatures) expects; node:crypto signs in DER by default.
    const signature = sign('sha256', Buffer.concat([authData, clientDataHash]), credential.privateKey);
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: overrides.userHandle ?? credential.userHandle,
      },
    };
  }
}
