/**
 * The storage a factor gets from the engine (issue 12). A factor never writes engine
 * tables (attempts, failures, the audit log): it keeps per-user records and per-attempt
 * state here, or its own tables from its own migrations (`FactorProviderFactory.migrations`).
 * Both stores are shared by every app instance (they live in the database), and both
 * change state only by compare-and-swap, so two requests that read the same state cannot
 * both write a successor: a code is spent once, a push is answered once.
 *
 * Records or own tables? Records (mfa_user_factors) fit anything that is "a device of a
 * user": a secret, a key, a set of codes. They carry a `key` that no other record of the
 * factor may hold, so a WebAuthn credential id or a push device id is unique without a
 * table of its own (one unique index serves every factor; keys are stored per factor).
 * A factor declares its own tables only when its data is not a device of a user or must
 * be looked up by something other than user, id or key: trusted browsers are found by a
 * cookie's hash and expire by the thousand, so they keep mfa_trusted_devices
 * (FactorContext.ownTables), created by the factor's own migration.
 */

/** One record a factor keeps for a user: a device, a secret, a pending set-up. */
export interface FactorRecord<TData = unknown> {
  id: number;
  userId: string;
  /** What the user calls it ("My phone"); shown in device lists. */
  label: string;
  /** The factor's own data (JSON). Secrets in it are the factor's to encrypt (FactorContext.secretBox). */
  data: TData;
  /** A value no other record of this factor holds (a WebAuthn credential id); null when the factor sets none. */
  key: string | null;
  /** Null while a set-up waits for proof; only confirmed records count at login. */
  confirmedAt: number | null;
  createdAt: number;
  /** The address the set-up came from, for the audit trail. */
  createdFromIp: string | null;
  lastUsedAt: number | null;
  /** Increases with every write: the compare-and-swap guard. */
  version: number;
}

export interface NewFactorRecord<TData> {
  label: string;
  data: TData;
  /** Unique within the factor: `insert` answers null when another record holds it already. */
  key?: string | null;
  /** Confirmed at once (e.g. recovery codes shown and saved); default: pending. */
  confirmed?: boolean;
  /** The address the set-up came from, for the audit trail. */
  createdFromIp?: string | null;
}

export interface FactorRecordChange<TData> {
  label?: string;
  data?: TData;
  confirmed?: boolean;
  lastUsedAt?: number;
}

/** Per-user records of one factor. Every method is scoped to that factor: a factor cannot read another's. */
export interface FactorRecords<TData = unknown> {
  /** The user's records, oldest first. @default which = 'confirmed' */
  list(userId: string, which?: 'confirmed' | 'pending' | 'all'): Promise<Array<FactorRecord<TData>>>;
  /** One of the user's records (null when it is another user's, another factor's, or gone). */
  get(userId: string, id: number): Promise<FactorRecord<TData> | null>;
  /** The record holding `key`, whoever's it is (a credential id registered to someone else is refused, not moved). */
  findByKey(key: string): Promise<FactorRecord<TData> | null>;
  /** Users with at least one confirmed record (the admin's factor report). */
  countUsers(): Promise<number>;
  /** The new record; null when its `key` is held by another record already (a parallel registration won). */
  insert(userId: string, record: NewFactorRecord<TData>): Promise<FactorRecord<TData> | null>;
  /** Compare-and-swap: writes only if the record is still at `record.version`; false when another request changed or removed it first. */
  update(record: FactorRecord<TData>, change: FactorRecordChange<TData>): Promise<boolean>;
  /**
   * Confirms `pending` (each still at its version) and removes the user's other confirmed
   * records, together or not at all: a new set of recovery codes replaces the old one.
   * False when any of them changed first (a double submit, a newer set).
   */
  confirmReplacing(userId: string, pending: ReadonlyArray<FactorRecord<TData>>): Promise<boolean>;
  remove(userId: string, id: number): Promise<boolean>;
  /** Removes every record of the user (or only pending ones created before `pendingBefore`); returns how many. */
  removeAll(userId: string, options?: { pendingBefore?: number }): Promise<number>;
}

/** What a factor keeps about one login attempt (the email code sent for it, the push number shown). */
export interface AttemptState<TState> {
  value: TState;
  version: number;
}

export interface FactorAttemptState<TState = unknown> {
  /** The factor's state for the attempt; null before its first write. */
  read(attemptId: string): Promise<AttemptState<TState> | null>;
  /**
   * Compare-and-swap: writes `next` when the stored state is still `expected` (null: none
   * yet). False when another request won; the caller reads again or gives up.
   */
  swap(attemptId: string, expected: AttemptState<TState> | null, next: TState): Promise<boolean>;
}

export interface FactorStorage<TRecord = unknown, TAttempt = unknown> {
  records: FactorRecords<TRecord>;
  attempts: FactorAttemptState<TAttempt>;
  limits: FactorLimits;
}

/** Counters over a window, shared by every app instance (mails per hour, pushes per hour). */
export interface FactorLimits {
  /**
   * Takes one unit of `name` for the user if fewer than `max` were taken in the current
   * window of `windowMs` (fixed windows: a burst may straddle a boundary, fine for a mail
   * cap); otherwise the wait until one frees up. `giveBack` returns it (a mail that could not be sent).
   */
  take(userId: string, name: string, max: number, windowMs: number): Promise<{ taken: true; giveBack(): Promise<void> } | { taken: false; retryAfterSeconds: number }>;
}
