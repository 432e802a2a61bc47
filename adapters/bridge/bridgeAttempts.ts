import type { Response } from 'express';
import type { Bridge } from '../../plugin/createBridge.ts';
import type { PlatformUser } from '../../plugin/bridge/bridgeUsers.ts';
import { MfaError } from '../../plugin/errors.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { bridgeClient, noteCall } from './bridgeRequests.ts';

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
