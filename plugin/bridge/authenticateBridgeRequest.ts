import { MfaError } from '../errors.ts';
import type { BridgeClients, ClientKey } from './bridgeClients.ts';
import type { BridgeNonces } from '../store/bridgeNonces.ts';
import { signatureMatches } from './requestSignature.ts';

/** How far a request's timestamp may be from the server's clock, either way. */
export const TIMESTAMP_WINDOW_MS = 300_000;
/** Nonces are kept twice the window: a request older than that is refused as stale anyway. */
export const NONCE_RETENTION_MS = 2 * TIMESTAMP_WINDOW_MS;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^\d{1,15}$/;

/** A request as it arrived, whatever the web framework. */
export interface BridgeRequest {
  method: string;
  /** Path as sent, query included. */
  path: string;
  header(name: string): string | undefined;
  body: Buffer;
}

export interface BridgeAuthenticationDependencies {
  clients: BridgeClients;
  nonces: BridgeNonces;
  now(): number;
}

/** The client id a refused request claimed (for the audit), when it claimed a well-formed one. */
export class BridgeRefusal extends MfaError {
  constructor(
    code: 'BRIDGE_UNAUTHENTICATED' | 'BRIDGE_STALE' | 'BRIDGE_REPLAYED',
    message: string,
    readonly claimedClientId: string | null,
  ) {
    super(code, message);
  }
}

/**
 * Checks a bridge request's client and signature (docs/bridge-protocol.md): the client is live,
 * the timestamp within ±5 minutes, the signature right (constant-time compare), and the
 * nonce new. The nonce is recorded only after the signature is checked, so nobody without
 * the key can spend a client's nonces. Returns the client, or throws a BridgeRefusal.
 */
export async function authenticateBridgeRequest(request: BridgeRequest, deps: BridgeAuthenticationDependencies): Promise<ClientKey> {
  const clientId = request.header('x-bridge-client') ?? '';
  const timestamp = request.header('x-bridge-timestamp') ?? '';
  const nonce = request.header('x-bridge-nonce') ?? '';
  const signature = request.header('x-bridge-signature') ?? '';
  const claimed = clientId.length > 0 && clientId.length <= 64 ? clientId : null;
  if (!clientId || !timestamp || !nonce || !signature) {
    throw new BridgeRefusal('BRIDGE_UNAUTHENTICATED', 'Sign the request: send X-Bridge-Client, X-Bridge-Timestamp, X-Bridge-Nonce and X-Bridge-Signature (see the bridge protocol).', claimed);
  }
  if (!TIMESTAMP.test(timestamp)) throw new BridgeRefusal('BRIDGE_UNAUTHENTICATED', 'X-Bridge-Timestamp must be the time in milliseconds since 1970 (Unix epoch).', claimed);
  if (!NONCE.test(nonce)) throw new BridgeRefusal('BRIDGE_UNAUTHENTICATED', 'X-Bridge-Nonce must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -, new for every request.', claimed);
  const client = await deps.clients.keyOf(clientId);
  // One answer for unknown and revoked clients: the caller learns nothing about which ids exist.
  if (!client) throw new BridgeRefusal('BRIDGE_UNAUTHENTICATED', 'The client is unknown or was revoked. Ask the site administrator for a client id and secret.', claimed);
  const now = deps.now();
  if (Math.abs(now - Number(timestamp)) > TIMESTAMP_WINDOW_MS) {
    throw new BridgeRefusal('BRIDGE_STALE', 'X-Bridge-Timestamp is more than 300 seconds from the server\'s clock: check the calling server\'s clock (NTP) and sign each request when it is sent.', claimed);
  }
  if (!signatureMatches(client.signingKey, { method: request.method, path: request.path, timestamp, nonce, body: request.body }, signature)) {
    throw new BridgeRefusal('BRIDGE_UNAUTHENTICATED', 'The signature does not match: check the client secret and that the path, timestamp, nonce and body are signed exactly as sent.', claimed);
  }
  if (!(await deps.nonces.remember(client.clientId, nonce, now))) {
    throw new BridgeRefusal('BRIDGE_REPLAYED', 'This request was sent before (its nonce was used): make a new nonce for every request.', claimed);
  }
  await deps.clients.touch(client);
  return client;
}
