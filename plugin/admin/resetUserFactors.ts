import { MfaError } from '../errors.ts';
import { TRUSTED_DEVICE_FACTOR_ID } from '../factors/trusted-device/trustedDevices.ts';
import { type AdminDependencies, adminFactor } from './adminDependencies.ts';

export interface ResetUserFactorsOptions {
  userId: string;
  /** One factor's id; without it, every factor of the user and their trusted browsers. */
  factor?: string;
  /** Why (e.g. "lost phone, identity checked by phone call"): required, kept in the audit log. */
  reason: string;
  /** Who did it: an admin's username, or `cli`. */
  actor: string;
}

export interface ResetUserFactorsResult {
  /** mfa_user_factors rows deleted (devices, pending set-ups, recovery codes). */
  devicesRemoved: number;
  trustedDevicesRevoked: number;
  /** Factors whose failure count (and so lock) was cleared. */
  failureCountsCleared: string[];
}

export const MAX_REASON_LENGTH = 500;

/**
 * An admin's rescue for a lost or broken device: removes the user's devices of one
 * factor (or of all, trusted browsers included) and their failure counts, in one
 * transaction with the `factor_reset` audit row. The user sets the factor up again
 * themself; nobody can enrol it for them.
 *
 * @example
 * await resetUserFactors(deps, { userId: '42', factor: 'totp', reason: 'Phone lost, ID checked at the desk', actor: 'admin' });
 */
export async function resetUserFactors(deps: AdminDependencies, options: ResetUserFactorsOptions): Promise<ResetUserFactorsResult> {
  const reason = options.reason.trim();
  if (reason === '') throw new MfaError('INVALID_INPUT', 'Give a reason for the reset; it is kept in the audit log.', { field: 'reason' });
  if (reason.length > MAX_REASON_LENGTH) {
    throw new MfaError('INVALID_INPUT', `The reason is ${reason.length} characters long; at most ${MAX_REASON_LENGTH} are kept.`, { field: 'reason' });
  }
  const factor = options.factor === undefined ? undefined : adminFactor(deps, options.factor).id;
  return deps.db.transaction(async (trx) => {
    const devices = trx('mfa_user_factors').where({ user_id: options.userId });
    if (factor) devices.where({ factor });
    const devicesRemoved = await devices.delete();
    const trustedDevicesRevoked =
      factor === undefined || factor === TRUSTED_DEVICE_FACTOR_ID ? await trx('mfa_trusted_devices').where({ user_id: options.userId }).delete() : 0;
    const failures = trx('mfa_factor_failures').where({ user_id: options.userId }).where('failures', '>', 0);
    if (factor) failures.where({ factor });
    const failureCountsCleared = (await failures.clone().select('factor')).map((row: { factor: string }) => row.factor);
    await failures.delete();
    const result = { devicesRemoved, trustedDevicesRevoked, failureCountsCleared };
    await deps.audit.record({ event: 'factor_reset', userId: options.userId, actor: options.actor, factor: factor ?? null, detail: { reason, ...result } }, trx);
    return result;
  });
}
