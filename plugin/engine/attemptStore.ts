import type { Knex } from 'knex';
import { rememberedRead, rememberRead, writeThrough } from '../store/operationScope.ts';
import type { AttemptView, Door, FactorState } from '../spi/factor.ts';

export type AttemptStatusValue = 'pending' | 'passed' | 'failed' | 'cancelled' | 'consumed';

export interface StoredAttempt extends AttemptView {
  status: AttemptStatusValue;
  finishedAt: number | null;
  service: string | null;
}

interface Row {
  id: string;
  user_id: string;
  door: string;
  status: string;
  created_at: number | string;
  expires_at: number | string;
  finished_at: number | string | null;
  ip: string | null;
  user_agent: string | null;
  service: string | null;
  handle_hash: string | null;
}

function toAttempt(row: Row): StoredAttempt {
  return {
    id: row.id,
    userId: row.user_id,
    door: row.door as Door,
    status: row.status as AttemptStatusValue,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    ip: row.ip,
    userAgent: row.user_agent,
    service: row.service,
  };
}

const attemptKey = (id: string) => `mfa_attempts:${id}`;

/** mfa_attempts and their per-factor states. */
export class AttemptStore {
  constructor(private readonly db: Knex) {}

  async insert(attempt: StoredAttempt, handleHash: string | null = null): Promise<void> {
    await this.db('mfa_attempts').insert({
      id: attempt.id,
      user_id: attempt.userId,
      door: attempt.door,
      status: attempt.status,
      created_at: attempt.createdAt,
      expires_at: attempt.expiresAt,
      ip: attempt.ip?.slice(0, 64) ?? null,
      user_agent: attempt.userAgent?.slice(0, 512) ?? null,
      service: attempt.service,
      handle_hash: handleHash,
    });
  }

  /**
   * Read once per operation scope (the token door finds the attempt by its handle, then
   * asks its status, then verifies). Every decision on it is a `transition`, a
   * compare-and-swap on the status in the database, which drops what the scope kept.
   */
  async find(id: string): Promise<StoredAttempt | null> {
    const row = await rememberedRead(this, attemptKey(id), () => this.db<Row>('mfa_attempts').where({ id }).first());
    return row ? toAttempt(row) : null;
  }

  async findByHandleHash(handleHash: string): Promise<StoredAttempt | null> {
    const row = await this.db<Row>('mfa_attempts').where({ handle_hash: handleHash }).first();
    if (row) rememberRead(this, attemptKey(row.id), row);
    return row ? toAttempt(row) : null;
  }

  /** Moves an attempt from one status to another, only if it is still in `from`: true when this call made the change. */
  async transition(id: string, from: AttemptStatusValue, to: AttemptStatusValue, at: number): Promise<boolean> {
    return (await writeThrough(this, attemptKey(id), async () => this.db('mfa_attempts').where({ id, status: from }).update({ status: to, finished_at: at }))) === 1;
  }

  async factorStates(attemptId: string): Promise<Map<string, FactorState>> {
    const rows = await this.db('mfa_attempt_factors').where({ attempt_id: attemptId }).select('factor', 'state');
    return new Map(rows.map((r: { factor: string; state: string }) => [r.factor, r.state as FactorState]));
  }

  async setFactorState(attemptId: string, factor: string, state: FactorState, at: number): Promise<void> {
    await this.db('mfa_attempt_factors')
      .insert({ attempt_id: attemptId, factor, state, updated_at: at })
      .onConflict(['attempt_id', 'factor'])
      .merge({ state, updated_at: at });
  }

  /** Per-attempt data a factor keeps (an email code's hash, a WebAuthn challenge). */
  async factorData(attemptId: string, factor: string): Promise<Record<string, unknown> | null> {
    const row = await this.db('mfa_attempt_factors').where({ attempt_id: attemptId, factor }).first('data');
    return row?.data ? (JSON.parse(row.data as string) as Record<string, unknown>) : null;
  }

  async setFactorData(attemptId: string, factor: string, data: Record<string, unknown> | null, at: number): Promise<void> {
    const json = data === null ? null : JSON.stringify(data);
    await this.db('mfa_attempt_factors')
      .insert({ attempt_id: attemptId, factor, state: 'unknown', data: json, updated_at: at })
      .onConflict(['attempt_id', 'factor'])
      .merge({ data: json, updated_at: at });
  }

  /** Attempts that ended or expired long ago are history the audit log keeps; the rows can go. */
  async purgeBefore(before: number): Promise<number> {
    return this.db('mfa_attempts').where('expires_at', '<', before).delete();
  }
}
