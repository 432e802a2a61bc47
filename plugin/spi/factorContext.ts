import type { Knex } from 'knex';
import type { AttemptView, RequestFacts } from './attempt.ts';
import type { AuditTrail } from './audit.ts';
import type { FactorStorage } from './factorStorage.ts';
import type { Host } from './host.ts';
import type { KeyedHash, RecordSecrets } from './secrets.ts';
import type { SettingsView } from './settings.ts';

/** What a factor gets from the engine for one use: its storage, what it may do to logins, the host, settings, secrets, audit. */
export interface FactorContext {
  /** The factor's records, per-attempt state and limits: engine tables, reached only through this (plugin/spi/factorStorage.ts). */
  storage: FactorStorage;
  /** What a factor may do to the login attempts it serves. */
  logins: FactorLogins;
  /**
   * A query on one of the factor's own tables (`FactorProviderFactory.tables`, made by its
   * `migrations`); refuses any other name, engine tables first of all. For data that is not
   * a device of a user (see factorStorage.ts: trusted browsers found by a cookie's hash).
   */
  ownTables: OwnTables;
  host: Host;
  settings: SettingsView;
  /** Encrypts the factor's secrets at rest (AES-256-GCM under a subkey of MFA_SECRET_KEY); re-sealed under a new key on use and by `keys rotate`. */
  secretBox: RecordSecrets;
  /**
   * Keyed hashes (HMAC-SHA-256) for one of the factor's own purposes, named in its folder
   * (e.g. `keyedHash('email/login-code')`): each purpose gets its own subkey of
   * MFA_SECRET_KEY, so a digest made for one purpose means nothing to another; digests
   * made under an old key still match while that key is in MFA_OLD_SECRET_KEYS.
   */
  keyedHash(purpose: string): KeyedHash;
  audit: AuditTrail;
  now(): number;
}

/** A login the user says is not theirs ("This wasn't me" in a mail, Deny on a push). */
export interface NotMeOutcome {
  /** `stopped`: the attempt was cancelled; `finished`: it had already ended. */
  outcome: 'stopped' | 'finished';
  attempt: AttemptView;
  /** Browser and API sessions of the user that were ended. */
  sessionsEnded: number;
}

export interface FactorLogins {
  /** An attempt by id, when it exists (any state). */
  find(attemptId: string): Promise<AttemptView | null>;
  /**
   * Cancels the attempt as not the user's (pending, or passed and not yet spent): audited
   * (`not_me_reported`, naming the calling factor), every session of the user ended, the
   * user mailed. The engine's, so every factor reports alike. Null when there is no such attempt.
   */
  reportNotMe(attemptId: string, by: { ip: string | null }): Promise<NotMeOutcome | null>;
  /**
   * Hands an answer given away from the login's own client (a paired phone picking a number)
   * to the engine, exactly as `engine.verify` would: a wrong answer counts toward the lockout
   * (rejects with INVALID_CODE and the tries left, or FACTOR_LOCKED), a right one passes the
   * factor. Resolves when it passed. `by.ip`: where the answer came from, for the audit trail.
   *
   * An approval factor (push) does NOT pass the attempt from the phone: the request that
   * passes an attempt is the one that gets the session or token (engine.status refuses a
   * passed attempt to everyone else), so the phone records its approval in the attempt's
   * state and the waiting client's own `engine.verify` spends it. Only a wrong answer comes
   * through here, so that it counts even when the waiting client (an attacker's) never asks.
   */
  verify(attemptId: string, factorId: string, input: Record<string, unknown>, by: { ip: string | null }): Promise<void>;
}

/** Queries on a factor's own tables: `ownTables('mfa_trusted_devices').where(...)`, and transactions over them. */
export interface OwnTables {
  (table: string): Knex.QueryBuilder;
  /** Runs `work` in one transaction; its `tables` reach the same own tables only. */
  transaction<T>(work: (tables: OwnTables) => Promise<T>): Promise<T>;
}
