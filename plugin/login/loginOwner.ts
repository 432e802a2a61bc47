import type { StoredAttempt } from '../engine/attemptStore.ts';
import type { LoginKey, LoginRef, LoginService } from './loginStep.ts';

const PLATFORM_PREFIX = 'bridge:';

/**
 * What a login stores as its service: the host's service name, or `bridge:<platform>` for a
 * platform behind the bridge. Its user may be the site's own, so the user alone cannot tell
 * a platform's login from the site's: the service does.
 */
export function storedService(service: LoginService | null | undefined): string | null {
  if (service === null || service === undefined) return null;
  return typeof service === 'string' ? service : `${PLATFORM_PREFIX}${service.platform}`;
}

/** Whether a stored service is a platform's (opened through the bridge). */
export function isPlatformService(service: string | null): boolean {
  return service?.startsWith(PLATFORM_PREFIX) ?? false;
}

/**
 * Whether the door naming a login by its handle may carry it on: a platform only its own
 * logins; the site's doors only the site's, and only at the door that gave the handle out.
 * Anything else is answered as an unknown handle, so a handle tells nobody else anything.
 */
export function mayContinue(attempt: StoredAttempt, key: Extract<LoginKey, { handle: string }>): boolean {
  if (key.service !== undefined && typeof key.service !== 'string') return attempt.service === storedService(key.service);
  if (isPlatformService(attempt.service)) return false;
  if (key.door !== undefined && attempt.door !== key.door) return false;
  return key.service === undefined || attempt.service === key.service;
}

export function loginRef(attempt: StoredAttempt, handle: string | null): LoginRef {
  return { attemptId: attempt.id, userId: attempt.userId, handle, door: attempt.door, service: attempt.service, ip: attempt.ip, userAgent: attempt.userAgent, expiresAt: attempt.expiresAt };
}
