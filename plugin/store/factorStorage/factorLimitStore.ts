import { createHash } from 'node:crypto';
import type { FactorLimits } from '../../spi/factorStorage.ts';
import type { RateLimits } from '../rateLimits.ts';

/** The column holds 128 characters; a longer bucket name is hashed (it is only ever compared). */
function bucketName(factor: string, name: string, userId: string): string {
  const bucket = `${factor}.${name}:${userId}`;
  return bucket.length <= 128 ? bucket : createHash('sha256').update(bucket).digest('hex');
}

/** One factor's counters, over the plugin's rate limits (mfa_rate_limits): per factor, per name, per user. */
export class FactorLimitStore implements FactorLimits {
  constructor(
    private readonly limits: RateLimits,
    private readonly factor: string,
    private readonly now: () => number,
  ) {}

  async take(userId: string, name: string, max: number, windowMs: number) {
    const bucket = bucketName(this.factor, name, userId);
    const result = await this.limits.take({ bucket, limit: max, windowMs, now: this.now() });
    if (!result.allowed) return { taken: false as const, retryAfterSeconds: result.retryAfterSeconds };
    return { taken: true as const, giveBack: () => this.limits.giveBack(bucket, result.windowStart) };
  }
}
