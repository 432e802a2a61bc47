/**
 * The storage a factor gets from the engine (issue 12). A factor never writes engine
 * tables (attempts, failures, the audit log): it keeps per-user records and per-attempt
 * state here, or its own tables from its own migrations (`FactorProviderFactory.migrations`).
 * Both stores are shared by every app instance (they live in the database), and both
 * change state only by compare-and-swap, so two requests that read the same state cannot
 * both write a successor: a code is spent once, a push is answered once.
 */

/** One record a factor keeps for a user: a device, a secret, a pending set-up. */
export interface FactorRecord<TData = unknown> {
  id: number;
  userId: string;
  /** What the user calls it ("My phone"); shown in device lists. */
  label: string;
  /** The factor's own data (JSON). Secrets in it are the factor's to encrypt (FactorContext.secretBox). */
  data: TData;
  /** Null while a set-up waits for proof; only confirmed records count at login. */
  confirmedAt: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** Increases with every write: the compare-and-swap guard. */
  version: number;
}

export interface NewFactorRecord<TData> {
  label: string;
  data: TData;
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
  list(userId: string, which?: 'confirmed' | 'pending' | 'all'): Promise<Array<FactorRecord<TData>>>;
  get(userId: string, id: number): Promise<FactorRecord<TData> | null>;
  insert(userId: string, record: NewFactorRecord<TData>): Promise<FactorRecord<TData>>;
  /** Compare-and-swap: writes only if the record is still at `record.version`; false when another request changed or removed it first. */
  update(record: FactorRecord<TData>, change: FactorRecordChange<TData>): Promise<boolean>;
  remove(userId: string, id: number): Promise<boolean>;
}

/** What a factor keeps about one login attempt (the email code sent for it, the push number shown). */
export interface AttemptState<TState> {
  value: TState;
  version: number;
}

export interface FactorAttemptState<TState = unknown> {
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

/** Counters over a sliding window, shared by every app instance (mails per hour, pushes per hour). */
export interface FactorLimits {
  /**
   * Takes one unit of `name` for the user if fewer than `max` were taken within `windowMs`;
   * otherwise the wait until one frees up. `giveBack` returns it (a mail that could not be sent).
   */
  take(userId: string, name: string, max: number, windowMs: number): Promise<{ taken: true; giveBack(): Promise<void> } | { taken: false; retryAfterSeconds: number }>;
}
