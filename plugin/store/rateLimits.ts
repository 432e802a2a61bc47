import type { Knex } from 'knex';

export type RateLimitResult = { allowed: true; windowStart: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window rate limits kept in the database. A unit is taken by
 * `UPDATE ... SET count = count + 1 WHERE count < limit`, so parallel requests on any
 * number of app instances never take more than `limit` in one window. A fixed window
 * lets a burst of up to twice the limit straddle a boundary; for a mail cap that is fine.
 */
export class RateLimits {
  constructor(private readonly db: Knex) {}

  async take(options: { bucket: string; limit: number; windowMs: number; now: number }): Promise<RateLimitResult> {
    const { bucket, limit, windowMs, now } = options;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    await this.db('mfa_rate_limits').insert({ bucket, window_start: windowStart, count: 0 }).onConflict(['bucket', 'window_start']).ignore();
    const taken = await this.db('mfa_rate_limits').where({ bucket, window_start: windowStart }).where('count', '<', limit).increment('count', 1);
    if (taken === 1) {
      // Old windows of this bucket are of no use any more; the table stays as small as its active buckets.
      await this.db('mfa_rate_limits').where({ bucket }).where('window_start', '<', windowStart).delete();
      return { allowed: true, windowStart };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
  }

  /** Returns a unit taken in `windowStart` (the request turned out not to count, e.g. the right password). */
  async giveBack(bucket: string, windowStart: number): Promise<void> {
    await this.db('mfa_rate_limits').where({ bucket, window_start: windowStart }).where('count', '>', 0).decrement('count', 1);
  }
}
