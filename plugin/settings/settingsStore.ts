import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { MfaError } from '../errors.ts';
import type { SettingDefinition, SettingValue } from '../manifest/manifest.ts';
import type { SettingsView } from '../spi/settings.ts';
import { forgetRead, rememberedRead } from '../store/operationScope.ts';
import { parseSettingValue } from './parseSettingValue.ts';

/** All settings at one moment, read with one query: what a request decides by. */
export class SettingsSnapshot implements SettingsView {
  constructor(
    private readonly definitions: ReadonlyMap<string, SettingDefinition>,
    private readonly values: ReadonlyMap<string, SettingValue>,
  ) {}

  get(name: string): SettingValue {
    const value = this.values.get(name);
    if (value === undefined) throw unknownSetting(name, this.definitions);
    return value;
  }
  boolean(name: string): boolean {
    return this.typed(name, 'boolean') as boolean;
  }
  integer(name: string): number {
    return this.typed(name, 'integer') as number;
  }
  /** A `string` or `select` setting. */
  string(name: string): string {
    return this.typed(name, 'string') as string;
  }
  /** A `list` or `cidr-list` setting. */
  list(name: string): string[] {
    return [...(this.typed(name, 'list') as string[])];
  }
  entries(): Array<{ definition: SettingDefinition; value: SettingValue }> {
    return [...this.definitions.values()].map((definition) => ({ definition, value: this.get(definition.name) }));
  }

  private typed(name: string, want: 'boolean' | 'integer' | 'string' | 'list'): SettingValue {
    const definition = this.definitions.get(name);
    if (!definition) throw unknownSetting(name, this.definitions);
    const kind = definition.type === 'select' ? 'string' : definition.type === 'cidr-list' ? 'list' : definition.type;
    if (kind !== want) throw new MfaError('INVALID_SETTING', `Setting ${name} is a ${definition.type}, not a ${want}.`);
    return this.get(name);
  }
}

function unknownSetting(name: string, definitions: ReadonlyMap<string, SettingDefinition>): MfaError {
  const names = [...definitions.keys()];
  const close = names.filter((n) => n.includes(name) || name.includes(n.split('.').pop() ?? n)).slice(0, 5);
  const hint = close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : '';
  return new MfaError('UNKNOWN_SETTING', `There is no setting "${name}".${hint} List them with: npx mfa-bridge settings list`, {
    field: name,
  });
}

export interface SettingChange {
  name: string;
  oldValue: SettingValue;
  newValue: SettingValue;
}

/**
 * Admin settings, each declared once (the plugin's in coreManifest.ts, each factor's in
 * its folder; merged by buildManifest.settingDefinitions): defaults and validation come
 * from there; stored values override defaults; every change writes an audit row (who,
 * when, old and new value) in the same transaction as the change.
 */
export class SettingsStore {
  private readonly definitions: ReadonlyMap<string, SettingDefinition>;

  constructor(
    private readonly db: Knex,
    definitions: readonly SettingDefinition[],
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {
    this.definitions = new Map(definitions.map((d) => [d.name, d]));
  }

  definition(name: string): SettingDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw unknownSetting(name, this.definitions);
    return definition;
  }

  listDefinitions(): SettingDefinition[] {
    return [...this.definitions.values()];
  }

  /** The read of mfa_settings in flight, which callers arriving meanwhile share. */
  private reading: Promise<SettingsSnapshot> | null = null;

  /**
   * All settings, read now. Calls that arrive while a read is in flight share it (under
   * load, a login's requests asked for the same rows several times a millisecond: issue
   * 15's profile). Nothing is kept after the read answers, so a change made by another
   * app instance is seen by the next read that starts after it: no TTL, no version row.
   * A change made here drops the shared read at once. A transaction's `db` reads alone.
   * Within one operation scope (one request at a door) the snapshot is read once, and
   * read again after a change made here.
   */
  snapshot(db: Knex = this.db): Promise<SettingsSnapshot> {
    if (db !== this.db) return this.readSnapshot(db);
    return rememberedRead(this, 'snapshot', () => this.sharedRead());
  }

  private sharedRead(): Promise<SettingsSnapshot> {
    const db = this.db;
    if (this.reading) return this.reading;
    const reading = this.readSnapshot(db).finally(() => {
      if (this.reading === reading) this.reading = null;
    });
    this.reading = reading;
    return reading;
  }

  private async readSnapshot(db: Knex): Promise<SettingsSnapshot> {
    const rows = await db<{ name: string; value: string }>('mfa_settings').select('name', 'value');
    const stored = new Map(rows.map((r) => [r.name, r.value]));
    const values = new Map<string, SettingValue>();
    for (const definition of this.definitions.values()) {
      values.set(definition.name, this.storedOrDefault(definition, stored.get(definition.name)));
    }
    return new SettingsSnapshot(this.definitions, values);
  }

  async get(name: string): Promise<SettingValue> {
    const definition = this.definition(name);
    const row = await this.db<{ name: string; value: string }>('mfa_settings').where({ name }).first('value');
    return this.storedOrDefault(definition, row?.value);
  }

  /** Validates `raw` (typed text or a value) and stores it; returns what changed. */
  async set(name: string, raw: unknown, actor: string): Promise<SettingChange> {
    const definition = this.definition(name);
    const newValue = parseSettingValue(definition, raw);
    // Dropped when the change is stored too: a read begun during the transaction may miss it.
    return this.afterChange(this.db.transaction(async (trx) => {
      const row = await trx<{ name: string; value: string }>('mfa_settings').where({ name }).first('value');
      const oldValue = this.storedOrDefault(definition, row?.value);
      const value = JSON.stringify(newValue);
      const updated = { value, updated_at: this.now(), updated_by: actor };
      if (row) await trx('mfa_settings').where({ name }).update(updated);
      else await trx('mfa_settings').insert({ name, ...updated });
      if (JSON.stringify(oldValue) !== value) {
        await this.audit.record({ event: 'settings_changed', actor, detail: { name, oldValue, newValue } }, trx);
      }
      return { name, oldValue, newValue };
    }));
  }

  /** No read started before a change is shared after it. */
  private async afterChange<T>(change: Promise<T>): Promise<T> {
    this.reading = null;
    forgetRead(this);
    try {
      return await change;
    } finally {
      this.reading = null;
      forgetRead(this);
    }
  }

  /** Sets several settings at once: all valid and saved, or none. */
  async setMany(values: Record<string, unknown>, actor: string): Promise<SettingChange[]> {
    const parsed = Object.entries(values).map(([name, raw]) => [name, parseSettingValue(this.definition(name), raw)] as const);
    const changes: SettingChange[] = [];
    await this.afterChange(this.db.transaction(async (trx) => {
      const rows = await trx<{ name: string; value: string }>('mfa_settings').select('name', 'value');
      const stored = new Map(rows.map((r) => [r.name, r.value]));
      for (const [name, newValue] of parsed) {
        const oldValue = this.storedOrDefault(this.definition(name), stored.get(name));
        const value = JSON.stringify(newValue);
        if (JSON.stringify(oldValue) === value) continue;
        const updated = { value, updated_at: this.now(), updated_by: actor };
        if (stored.has(name)) await trx('mfa_settings').where({ name }).update(updated);
        else await trx('mfa_settings').insert({ name, ...updated });
        await this.audit.record({ event: 'settings_changed', actor, detail: { name, oldValue, newValue } }, trx);
        changes.push({ name, oldValue, newValue });
      }
    }));
    return changes;
  }

  private storedOrDefault(definition: SettingDefinition, stored: string | undefined): SettingValue {
    if (stored === undefined) return definition.default;
    try {
      return parseSettingValue(definition, JSON.parse(stored));
    } catch {
      // A stored value that no longer validates (the manifest narrowed a range) falls back to the default.
      return definition.default;
    }
  }
}
