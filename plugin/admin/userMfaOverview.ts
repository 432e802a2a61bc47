import type { AuditRecord } from '../audit/auditLog.ts';
import type { FactorEnrolment } from '../engine/factorEnrolment.ts';
import { FailureCounter } from '../engine/failureCounter.ts';
import type { FactorDevice } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';
import type { AdminDependencies } from './adminDependencies.ts';

export interface FactorFailures {
  factor: string;
  displayName: string;
  failures: number;
  locked: boolean;
}

export interface UserMfaOverview {
  user: HostUser;
  /** Devices of every enabled factor: names and dates, never a secret. */
  devices: FactorDevice[];
  /** Factors with failed inputs counted, locked or not yet. */
  failures: FactorFailures[];
  lockoutThreshold: number;
  recentEvents: AuditRecord[];
}

export const RECENT_EVENTS_SHOWN = 20;

/** What an admin sees of one user's MFA before resetting or unlocking anything. */
export async function userMfaOverview(deps: AdminDependencies & { enrolment: FactorEnrolment }, user: HostUser): Promise<UserMfaOverview> {
  const lockoutThreshold = (await deps.settings.snapshot()).integer('lockout_threshold');
  const counts = await new FailureCounter(deps.db, deps.now).all(user.id);
  const failures = [...counts]
    .filter(([, n]) => n > 0)
    .map(([factor, n]) => ({
      factor,
      displayName: deps.factors.find((f) => f.id === factor)?.displayName ?? factor,
      failures: n,
      locked: n >= lockoutThreshold,
    }));
  return {
    user,
    devices: await deps.enrolment.devices(user),
    failures,
    lockoutThreshold,
    recentEvents: await deps.audit.recent({ userId: user.id, limit: RECENT_EVENTS_SHOWN }),
  };
}
