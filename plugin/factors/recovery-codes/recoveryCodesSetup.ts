/** What the recovery codes factor hands out: a new set, and how many of a user's codes are left. */

/** How many of the user's codes are left. */
export interface RecoveryCodesLeft {
  remaining: number;
  /** Codes in the set (used and unused); 0 when the user has no set. */
  total: number;
  runningLow: boolean;
}

/** What beginSetup returns: the only time the codes exist in plain text. */
export interface RecoveryCodesSetup {
  setupId: number;
  codes: string[];
  expiresAt: number;
  /** Unused codes of the current set, which stop working once this set is confirmed. */
  replacesRemaining: number;
}
