import type { Knex } from 'knex';
import { type DigestKeyStatus, digestKeyStatus } from '../../crypto/keyedHash.ts';
import type { KeyRing } from '../../crypto/keyRing.ts';
import { SecretBox } from '../../crypto/secretBox.ts';
import { isMfaError } from '../../errors.ts';
import { forgetUserFactorRows, userFactorRows } from './factorRecordStore.ts';

const TABLE = 'mfa_user_factors';
/** Rows read at a time by a rotation: bounded memory on a big site. */
const PAGE = 500;
/** A row another request changed between read and write is read again this many times. */
const TRIES = 3;

/**
 * The associated data a sealed `secret` of mfa_user_factors is bound to: the row's factor
 * and user. One rule for every factor, so a rotation can re-seal any factor's secrets
 * without knowing the factor (and a ciphertext moved to another row does not open).
 */
export function recordSecretContext(factor: string, userId: string): string {
  return `${factor}:${userId}`;
}

export type ResealOutcome = 'resealed' | 'current' | 'not_sealed' | 'gone' | 'failed';

export interface ResealFailure {
  id: number;
  factor: string;
  userId: string;
  /** Why it could not be opened (which key to put back); never the secret. */
  reason: string;
}

/** What `keys rotate` did and found. */
export interface RotationReport {
  /** Sealed secrets moved to the current key now. */
  resealed: number;
  /** Sealed secrets already under the current key. */
  alreadyCurrent: number;
  /** Sealed secrets no configured key opens: left as they are. */
  failed: ResealFailure[];
  /**
   * Keyed hashes at rest (recovery codes) by the key they depend on. Only a hash is kept,
   * so they cannot be re-hashed: `old` and `legacy` ones work while their key is configured,
   * `unknown-key` ones no longer do.
   */
  hashes: Record<DigestKeyStatus, number>;
}

interface SecretRow {
  id: number;
  user_id: string;
  factor: string;
  /** The record's data (JSON): a sealed secret is its `secret` field (factor storage, migration 007). */
  data: string | null;
  version: number;
}

const COLUMNS = ['id', 'user_id', 'factor', 'data', 'version'] as const;

function recordData(row: SecretRow): Record<string, unknown> {
  try {
    const data: unknown = row.data ? JSON.parse(row.data) : {};
    return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function secretOf(row: SecretRow): string | null {
  const secret = recordData(row).secret;
  return typeof secret === 'string' ? secret : null;
}

/**
 * Re-seals factor secrets at rest under the current key: one row when it is used (a
 * login with that device), every row for `mfa-bridge keys rotate`. Each row is one
 * compare-and-swap UPDATE on the record's `version` (the factor storage's own guard), so a
 * row is never half written and a request that changed it meanwhile wins; running again
 * is harmless.
 */
export class SealedFactorSecrets {
  private readonly box: SecretBox;

  constructor(
    private readonly db: Knex,
    private readonly keys: KeyRing,
  ) {
    this.box = new SecretBox(keys);
  }

  private async sharedRow(id: number, userId: string): Promise<SecretRow | undefined> {
    const row = (await userFactorRows(this.db, userId)).find((r) => Number(r.id) === id);
    return row && { id: Number(row.id), user_id: row.user_id, factor: row.factor, data: row.data, version: Number(row.version) };
  }

  /** Moves one record's secret to the current key if it is sealed under another. A secret no key opens stays as it is ('failed'). */
  async resealRecord(id: number, userId: string): Promise<ResealOutcome> {
    for (let i = 0; i < TRIES; i++) {
      // The first look may share the request's read of the user's records (the check that
      // just used this one reads them next); a version changed meanwhile loses the swap below.
      const row = i === 0 ? await this.sharedRow(id, userId) : await this.db<SecretRow>(TABLE).where({ id, user_id: userId }).first(...COLUMNS);
      if (!row) return 'gone';
      const outcome = await this.resealRow(row);
      // A new version: what the operation scope remembered of the user's records is stale.
      if (outcome.kind === 'resealed') forgetUserFactorRows(this.db, userId);
      if (outcome.kind !== 'changed') return outcome.kind;
    }
    return 'current'; // changed by others three times over: whoever wrote it last sealed it under the current key
  }

  /** Every sealed secret of every factor under the current key, page by page; counts what it did. */
  async resealAll(): Promise<RotationReport> {
    const report: RotationReport = { resealed: 0, alreadyCurrent: 0, failed: [], hashes: { current: 0, old: 0, legacy: 0, 'unknown-key': 0 } };
    let after = 0;
    for (;;) {
      const rows = await this.db<SecretRow>(TABLE).where('id', '>', after).whereNotNull('data').orderBy('id').limit(PAGE).select(...COLUMNS);
      if (rows.length === 0) return report;
      for (const row of rows) await this.rotateRow(row, report);
      after = Number(rows.at(-1)?.id ?? after);
    }
  }

  private async rotateRow(first: SecretRow, report: RotationReport): Promise<void> {
    let row: SecretRow | undefined = first;
    for (let i = 0; i < TRIES && row; i++) {
      const outcome = await this.resealRow(row);
      switch (outcome.kind) {
        case 'resealed':
          report.resealed++;
          return;
        case 'current':
          report.alreadyCurrent++;
          return;
        case 'failed':
          report.failed.push({ id: Number(row.id), factor: row.factor, userId: row.user_id, reason: outcome.reason });
          return;
        case 'not_sealed': {
          const secret = secretOf(row);
          const status = secret ? digestKeyStatus(this.keys, secret) : null;
          if (status) report.hashes[status]++;
          return;
        }
        case 'changed':
          row = await this.db<SecretRow>(TABLE).where({ id: row.id }).first(...COLUMNS);
      }
    }
  }

  private async resealRow(row: SecretRow): Promise<{ kind: 'resealed' | 'current' | 'not_sealed' | 'changed' } | { kind: 'failed'; reason: string }> {
    const sealed = secretOf(row);
    if (!sealed || !SecretBox.isSealed(sealed)) return { kind: 'not_sealed' };
    let next: string | null;
    try {
      next = this.box.reseal(sealed, recordSecretContext(row.factor, row.user_id));
    } catch (error) {
      if (isMfaError(error, 'CONFIGURATION')) return { kind: 'failed', reason: error.message };
      throw error;
    }
    if (next === null) return { kind: 'current' };
    const data = JSON.stringify({ ...recordData(row), secret: next });
    const written = await this.db(TABLE).where({ id: row.id, version: row.version }).update({ data, version: Number(row.version) + 1 });
    return { kind: written === 1 ? 'resealed' : 'changed' };
  }
}
