import { FailureCounter } from '../engine/failureCounter.ts';
import { type AdminDependencies, adminFactor } from './adminDependencies.ts';

export interface UnlockUserFactorsOptions {
  userId: string;
  /** One factor's id; without it, every locked factor of the user. */
  factor?: string;
  actor: string;
}

/**
 * Clears the failure count of a user's factor (or all of them): a locked factor works
 * again, the devices stay. One `factor_unlocked` audit row per factor that was locked.
 * Returns the factors that were locked.
 */
export async function unlockUserFactors(deps: AdminDependencies, options: UnlockUserFactorsOptions): Promise<string[]> {
  const factor = options.factor === undefined ? undefined : adminFactor(deps, options.factor).id;
  const threshold = (await deps.settings.snapshot()).integer('lockout_threshold');
  const unlocked = await new FailureCounter(deps.db, deps.now).reset(options.userId, threshold, factor);
  for (const id of unlocked) await deps.audit.record({ event: 'factor_unlocked', userId: options.userId, actor: options.actor, factor: id });
  return unlocked;
}
