import type { FactorEnrolment } from '../engine/factorEnrolment.ts';
import type { HostUser } from '../spi/host.ts';
import type { Host } from '../spi/host.ts';
import type { AdminDependencies } from './adminDependencies.ts';
import { type FactorReportOptions, type FactorReportRow, factorReport } from './factorReport.ts';
import { type ResetUserFactorsOptions, type ResetUserFactorsResult, resetUserFactors } from './resetUserFactors.ts';
import { type UnlockUserFactorsOptions, unlockUserFactors } from './unlockUserFactors.ts';
import { type ClearPasswordThrottleOptions, clearPasswordThrottle } from './clearPasswordThrottle.ts';
import { type UserMfaOverview, userMfaOverview } from './userMfaOverview.ts';

export { type AdminDependencies, type AdminFactor, type AdminHostActions, adminFactor } from './adminDependencies.ts';
export { type FactorReportOptions, type FactorReportRow, factorReport } from './factorReport.ts';
export { MAX_REASON_LENGTH, type ResetUserFactorsOptions, type ResetUserFactorsResult, resetUserFactors } from './resetUserFactors.ts';
export { type UnlockUserFactorsOptions, unlockUserFactors } from './unlockUserFactors.ts';
export { type ClearPasswordThrottleOptions, clearPasswordThrottle } from './clearPasswordThrottle.ts';
export { type FactorFailures, type UserMfaOverview, userMfaOverview } from './userMfaOverview.ts';

/** The admin tools bound to one plugin: what the admin pages call. */
export interface MfaAdministration {
  factors: AdminDependencies['factors'];
  /** Users whose username or email contains `text` (the host's search), or the one with exactly that username. */
  findUsers(text: string): Promise<HostUser[]>;
  findUser(id: string): Promise<HostUser | null>;
  overview(user: HostUser): Promise<UserMfaOverview>;
  resetUserFactors(options: ResetUserFactorsOptions): Promise<ResetUserFactorsResult>;
  unlockUserFactors(options: UnlockUserFactorsOptions): Promise<string[]>;
  /** Lets the account's password be tried again at once from every address. */
  clearPasswordThrottle(options: ClearPasswordThrottleOptions): Promise<number>;
  factorReport(options: FactorReportOptions): Promise<FactorReportRow[]>;
}

export const USER_SEARCH_LIMIT = 25;

export function createMfaAdministration(deps: AdminDependencies & { host: Host; enrolment: FactorEnrolment }): MfaAdministration {
  return {
    factors: deps.factors,
    async findUsers(text) {
      const query = text.trim();
      if (query === '') return [];
      if (deps.host.searchUsers) return deps.host.searchUsers(query, USER_SEARCH_LIMIT);
      const user = await deps.host.findUserByUsername(query);
      return user ? [user] : [];
    },
    findUser: (id) => deps.host.findUserById(id),
    overview: (user) => userMfaOverview(deps, user),
    resetUserFactors: (options) => resetUserFactors(deps, options),
    unlockUserFactors: (options) => unlockUserFactors(deps, options),
    clearPasswordThrottle: (options) => clearPasswordThrottle(deps, options),
    factorReport: (options) => factorReport(deps, options),
  };
}
