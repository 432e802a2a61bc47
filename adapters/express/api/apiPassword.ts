import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { passwordCheckHook } from '../passwordCheckHook.ts';

/**
 * The password check of the API door (POST /session, Basic): the plugin's throttled
 * check, the same one the login page and login/token.php use, so guessing through one
 * door counts at all of them. A throttled guess is 429 RATE_LIMITED with Retry-After.
 */
export async function checkApiPassword(plugin: MfaPlugin, req: Request, username: string, password: string): Promise<HostUser | null> {
  const result = await passwordCheckHook(plugin)(req, username, password);
  if (result.outcome === 'throttled') {
    throw new MfaError('RATE_LIMITED', result.message, { retryAfterSeconds: result.retryAfterSeconds });
  }
  return result.outcome === 'passed' ? result.user : null;
}
