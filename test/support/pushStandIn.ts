/**
 * TEMPORARY, until the engine's factor storage (h-core, issue 12) is merged: what the engine
 * will give every factor (FactorContext.storage and .logins),
 * stood in for over the real test database, so the push factor's tests run on SQLite and
 * MariaDB today. Compare-and-swap by a version column in one UPDATE, as the engine's does.
 * Delete this file (and its `withPushStandIn` calls) once `context.storage` is the engine's.
 */
import type { Knex } from 'knex';
import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { UserSessions } from '../../plugin/credentials/userSessions.ts';
import { AttemptStore } from '../../plugin/engine/attemptStore.ts';
import { pushFactor } from '../../plugin/factors/push/index.ts';
import type { AttemptView, FactorContext, FactorLogins, FactorProviderFactory } from '../../plugin/spi/factor.ts';
import type { FactorRouteRequest } from '../../plugin/spi/factorPresentation.ts';
import type { AttemptState, FactorRecord, FactorStorage } from '../../plugin/spi/factorStorage.ts';
import { RateLimits } from '../../plugin/store/rateLimits.ts';

const RECORDS = 'standin_factor_records';
const STATES = 'standin_factor_attempt_states';

export async function createStandInTables(db: Knex): Promise<void> {
  if (!(await db.schema.hasTable(RECORDS))) {
    await db.schema.createTable(RECORDS, (t) => {
      t.increments('id');
      t.string('factor', 64).notNullable();
      t.string('user_id', 191).notNullable();
      t.string('label', 191).notNullable();
      t.text('data').notNullable();
      t.bigInteger('confirmed_at').nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('last_used_at').nullable();
      t.integer('version').notNullable();
    });
  }
  if (!(await db.schema.hasTable(STATES))) {
    await db.schema.createTable(STATES, (t) => {
      t.string('attempt_id', 64).notNullable();
      t.string('factor', 64).notNullable();
      t.text('value').notNullable();
      t.integer('version').notNullable();
      t.primary(['attempt_id', 'factor']);
    });
  }
}

interface RecordRow {
  id: number;
  factor: string;
  user_id: string;
  label: string;
  data: string;
  confirmed_at: number | string | null;
  created_at: number | string;
  last_used_at: number | string | null;
  version: number;
}

function toRecord(row: RecordRow): FactorRecord {
  return {
    id: Number(row.id),
    userId: row.user_id,
    label: row.label,
    data: JSON.parse(row.data) as unknown,
    confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    version: Number(row.version),
  };
}

export function standInStorage(db: Knex, factor: string, now: () => number): FactorStorage {
  const rateLimits = new RateLimits(db);
  return {
    records: {
      async list(userId, which = 'confirmed') {
        const query = db<RecordRow>(RECORDS).where({ factor, user_id: userId }).orderBy('id');
        if (which === 'confirmed') query.whereNotNull('confirmed_at');
        if (which === 'pending') query.whereNull('confirmed_at');
        return (await query).map(toRecord);
      },
      async get(userId, id) {
        const row = await db<RecordRow>(RECORDS).where({ factor, user_id: userId, id }).first();
        return row ? toRecord(row) : null;
      },
      async insert(userId, record) {
        const at = now();
        const [id] = await db(RECORDS).insert({
          factor,
          user_id: userId,
          label: record.label,
          data: JSON.stringify(record.data),
          confirmed_at: record.confirmed ? at : null,
          created_at: at,
          last_used_at: null,
          version: 1,
        });
        const row = await db<RecordRow>(RECORDS).where({ id: Number(id) }).first();
        if (!row) throw new Error('inserted record not found');
        return toRecord(row);
      },
      async update(record, change) {
        const update: Record<string, unknown> = { version: record.version + 1 };
        if (change.label !== undefined) update.label = change.label;
        if (change.data !== undefined) update.data = JSON.stringify(change.data);
        if (change.confirmed) update.confirmed_at = now();
        if (change.lastUsedAt !== undefined) update.last_used_at = change.lastUsedAt;
        return (await db(RECORDS).where({ factor, id: record.id, user_id: record.userId, version: record.version }).update(update)) === 1;
      },
      async remove(userId, id) {
        return (await db(RECORDS).where({ factor, user_id: userId, id }).delete()) === 1;
      },
    },
    attempts: {
      async read(attemptId) {
        const row = await db<{ attempt_id: string; factor: string; value: string; version: number }>(STATES).where({ attempt_id: attemptId, factor }).first();
        return row ? { value: JSON.parse(row.value) as unknown, version: Number(row.version) } : null;
      },
      async swap(attemptId, expected: AttemptState<unknown> | null, next) {
        const value = JSON.stringify(next);
        if (expected === null) {
          try {
            await db(STATES).insert({ attempt_id: attemptId, factor, value, version: 1 });
            return true;
          } catch (error) {
            // Another request wrote the first state: the primary key refused this one.
            if (/UNIQUE|ER_DUP_ENTRY|Duplicate entry/i.test(String((error as { code?: string }).code) + String((error as Error).message))) return false;
            throw error;
          }
        }
        return (await db(STATES).where({ attempt_id: attemptId, factor, version: expected.version }).update({ value, version: expected.version + 1 })) === 1;
      },
    },
    limits: {
      async take(userId, name, max, windowMs) {
        const bucket = `factor:${factor}:${name}:${userId}`;
        const taken = await rateLimits.take({ bucket, limit: max, windowMs, now: now() });
        if (!taken.allowed) return { taken: false, retryAfterSeconds: taken.retryAfterSeconds };
        return { taken: true, giveBack: () => rateLimits.giveBack(bucket, taken.windowStart) };
      },
    },
  };
}

export function standInLogins(db: Knex, plugin: () => MfaPlugin, factor: string): FactorLogins {
  const attempts = new AttemptStore(db);
  const view = (a: AttemptView): AttemptView => ({ id: a.id, userId: a.userId, door: a.door, createdAt: a.createdAt, expiresAt: a.expiresAt, ip: a.ip, userAgent: a.userAgent });
  return {
    async find(attemptId) {
      const attempt = await attempts.find(attemptId);
      return attempt ? view(attempt) : null;
    },
    async reportNotMe(attemptId, by) {
      const attempt = await attempts.find(attemptId);
      if (!attempt) throw new Error('no such attempt');
      const mfa = plugin();
      const now = mfa.now();
      const stopped = (await attempts.transition(attempt.id, 'pending', 'cancelled', now)) || (await attempts.transition(attempt.id, 'passed', 'cancelled', now));
      await mfa.audit.record({ event: 'not_me_reported', userId: attempt.userId, factor, door: attempt.door, ip: by.ip, detail: { attemptStatus: stopped ? 'cancelled' : attempt.status } });
      const ended = await new UserSessions({ db, host: mfa.registry.host, audit: mfa.audit, now: mfa.now }).endAll(attempt.userId, { cause: 'not_me_reported', actor: 'system', ip: by.ip, door: attempt.door });
      return { outcome: stopped ? 'stopped' : 'finished', attempt: view(attempt), sessionsEnded: ended.webSessions + ended.apiSessions };
    },
    async verify(attemptId, factorId, input, by) {
      await plugin().engine.verify(attemptId, factorId, input, { ip: by.ip, userAgent: null });
    },
  };
}

export interface PushStandIn {
  /** The push factory, its context completed with the stand-in storage and logins. */
  factory: FactorProviderFactory;
  /** A context for the factor's routes, as the door will build it (request.context). */
  context(): Promise<FactorContext>;
}

/**
 * The push factory with the stand-in storage and logins in its context (the engine's will be
 * there by itself). `db` and `plugin` are asked for on first use, so the factory can be
 * handed to a site that is still being built.
 */
export function pushStandIn(db: () => Knex, plugin: () => MfaPlugin, now: () => number): PushStandIn {
  let made: { storage: FactorStorage; logins: FactorLogins } | undefined;
  const parts = () => (made ??= { storage: standInStorage(db(), pushFactor.id, now), logins: standInLogins(db(), plugin, pushFactor.id) });
  const presentation = pushFactor.presentation && {
    ...pushFactor.presentation,
    // The door hands routes the registry's context; the stand-in's storage goes in with it.
    routes: pushFactor.presentation.routes?.map((route) => ({ ...route, handle: (request: FactorRouteRequest) => route.handle({ ...request, context: { ...request.context, ...parts() } }) })),
  };
  const factory: FactorProviderFactory = { ...pushFactor, presentation, create: (context) => pushFactor.create({ ...context, ...parts() }) };
  return {
    factory,
    async context() {
      const mfa = plugin();
      return { ...mfa.registry.context(await mfa.settings.snapshot()), ...parts() };
    },
  };
}
