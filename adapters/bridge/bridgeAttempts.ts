import type { Response } from 'express';
import type { StoredAttempt } from '../../plugin/engine/attemptStore.ts';
import type { Bridge } from '../../plugin/bridge/createBridge.ts';
import type { PlatformUser } from '../../plugin/bridge/bridgeUsers.ts';
import { bridgeService } from '../../plugin/bridge/platformUsers.ts';
import { isMfaError, MfaError } from '../../plugin/errors.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { type AttemptAnswer, attemptAnswer, passedAnswer } from './bridgeAnswers.ts';
import { bridgeClient, noteCall } from './bridgeRequests.ts';

/** An attempt a client may act on: opened through the bridge for a user of the client's platform. */
export interface ClientAttempt {
  handle: string;
  attempt: StoredAttempt;
  user: HostUser;
}

const unknownAttempt = () => new MfaError('NOT_FOUND', 'No attempt has that handle (or it is another platform\'s): open one with POST /bridge/v1/attempts.');

/**
 * The attempt behind a handle, for this client's platform only: another platform's
 * attempts (and the site's own logins) are answered as unknown.
 */
export async function clientAttempt(bridge: Bridge, res: Response, handle: string): Promise<ClientAttempt> {
  let attempt: StoredAttempt;
  try {
    attempt = await bridge.plugin.engine.findByHandle(handle);
  } catch (error) {
    // Only "no such handle" is unknown; a database outage stays one (503).
    throw isMfaError(error, 'ATTEMPT_EXPIRED') ? unknownAttempt() : error;
  }
  if (attempt.service !== bridgeService(bridgeClient(res).platform)) throw unknownAttempt();
  const user = await bridge.host.findUserById(attempt.userId);
  if (!user) throw unknownAttempt();
  noteCall(res, { userId: user.id, door: attempt.door });
  return { handle, attempt, user };
}

/** The platform a body names must be the client's own: a client speaks for one platform's users. */
export function requireOwnPlatform(platform: string, clientPlatform: string): void {
  if (platform !== clientPlatform) {
    throw new MfaError('FORBIDDEN', `This client speaks for platform "${clientPlatform}", not "${platform}".`, { field: 'platform' });
  }
}

/** The user a call names, for the client that signed it: the site's or the platform's own (platformUsers.ts); audited. */
export async function callingUser(bridge: Bridge, res: Response, named: PlatformUser): Promise<HostUser> {
  const client = bridgeClient(res);
  requireOwnPlatform(named.platform, client.platform);
  const user = await bridge.platformUsers.resolve(named, client.userSource);
  noteCall(res, { userId: user.id });
  return user;
}

/** Where the attempt stands now: a passed one waits to be consumed; a spent or expired one is gone (410). */
export async function currentAnswer(bridge: Bridge, found: ClientAttempt): Promise<AttemptAnswer> {
  const fresh = await bridge.plugin.engine.findByHandle(found.handle);
  if (fresh.status === 'passed') return passedAnswer(found.handle);
  if (fresh.status === 'failed') return { attempt: found.handle, outcome: 'failed', factors: [], lockedUntil: null };
  const status = await bridge.plugin.engine.status(fresh.id, { ip: fresh.ip, userAgent: fresh.userAgent });
  return attemptAnswer(bridge.plugin, status, found.handle);
}
