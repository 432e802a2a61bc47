import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';

const HOUR_MS = 3600_000;

/**
 * The password check of the API door (POST /session, Basic), with a cap on wrong
 * passwords per account per hour: the API is a door we open, so guessing through it
 * must be bounded. As with the factor lockout, a unit is taken *before* the password is
 * checked (parallel guesses cannot slip past the cap) and given back when it was right.
 */
export async function checkApiPassword(plugin: MfaPlugin, username: string, password: string): Promise<HostUser | null> {
  const limits = plugin.rateLimits;
  const settings = await plugin.settings.snapshot();
  const bucket = `api-password:${username.trim().toLowerCase().slice(0, 100)}`;
  const taken = await limits.take({ bucket, limit: settings.integer('api_password_failures_per_hour'), windowMs: HOUR_MS, now: plugin.now() });
  if (!taken.allowed) {
    const minutes = Math.ceil(taken.retryAfterSeconds / 60);
    throw new MfaError('RATE_LIMITED', `Too many wrong passwords for this account through the API. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}, or log in on the website.`, {
      retryAfterSeconds: taken.retryAfterSeconds,
    });
  }
  const user = await plugin.registry.host.checkPassword(username, password);
  if (user) await limits.giveBack(bucket, taken.windowStart);
  return user;
}
