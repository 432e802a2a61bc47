import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type AuditEntry, AuditLog, type AuditRecord } from '../../plugin/audit/auditLog.ts';
import { isMfaError } from '../../plugin/errors.ts';
import { loadManifest } from '../../plugin/manifest/manifest.ts';
import { SettingsStore } from '../../plugin/settings/settingsStore.ts';
import { migratePlugin } from '../../plugin/migratePlugin.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';

/** An audit log whose `failOnCall`-th write fails, to prove the setting change rolls back with it. */
class FailingAuditLog extends AuditLog {
  private calls = 0;
  constructor(
    db: TestDatabase['db'],
    private readonly failOnCall: number,
  ) {
    super(db);
  }
  override async record(entry: AuditEntry, trx?: Parameters<AuditLog['record']>[1]): Promise<AuditRecord> {
    this.calls += 1;
    if (this.calls === this.failOnCall) throw new Error('audit table unavailable');
    return super.record(entry, trx);
  }
}

function rejectsWith(code: 'INVALID_SETTING' | 'UNKNOWN_SETTING', message: RegExp) {
  return (error: unknown) => {
    assert.ok(isMfaError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  };
}

for (const kind of databaseKinds) {
  describe(`settings store on ${kind}`, () => {
    let t: TestDatabase;
    let audit: AuditLog;
    let settings: SettingsStore;
    const definitions = loadManifest().settings;

    before(async () => {
      t = await createTestDatabase(kind);
      await migratePlugin(t.db);
    });
    after(async () => {
      await t.drop();
    });
    beforeEach(async () => {
      await t.db('mfa_settings').delete();
      await t.db('mfa_audit_log').delete();
      audit = new AuditLog(t.db);
      settings = new SettingsStore(t.db, definitions, audit);
    });

    const storedRows = () => t.db('mfa_settings').select('name', 'value', 'updated_by').orderBy('name');
    const auditRows = () => audit.recent({ event: 'settings_changed' });

    it('answers with the defaults declared in manifest.json when nothing is stored', async () => {
      assert.equal(await settings.get('lockout_threshold'), 10);
      assert.equal(await settings.get('mobile_app_mfa'), false);
      assert.equal(await settings.get('enabled'), true);
      assert.equal(await settings.get('factor.totp.algorithm'), 'SHA1');
      assert.deepEqual(await settings.get('factor.ip_range.ranges'), []);
      const snapshot = await settings.snapshot();
      assert.equal(snapshot.entries().length, definitions.length);
    });

    it('reads each setting through a getter of its type and refuses the wrong type', async () => {
      await settings.set('lockout_threshold', '7', 'admin');
      await settings.set('factor.ip_range.ranges', '192.0.2.0/24\n2001:db8::/32', 'admin');
      const snapshot = await settings.snapshot();
      assert.equal(snapshot.integer('lockout_threshold'), 7);
      assert.equal(snapshot.boolean('mobile_app_mfa'), false);
      assert.equal(snapshot.string('factor.totp.digits'), '6');
      assert.deepEqual(snapshot.list('factor.ip_range.ranges'), ['192.0.2.0/24', '2001:db8::/32']);
      assert.throws(() => snapshot.integer('enabled'), rejectsWith('INVALID_SETTING', /enabled is a boolean, not an? integer/));
      assert.throws(() => snapshot.boolean('no_such_thing'), rejectsWith('UNKNOWN_SETTING', /no setting "no_such_thing"/));
    });

    it('shares one read among the calls that arrive while it is in flight, and keeps nothing once it answered', async () => {
      let reads = 0;
      const count = () => void reads++;
      t.db.on('query', count);
      try {
        const [a, b, c] = await Promise.all([settings.snapshot(), settings.snapshot(), settings.snapshot()]);
        assert.equal(reads, 1, 'three calls at once, one SELECT');
        assert.ok(a === b && b === c);
        // Another app instance (its own store, same database) changes a setting: the next read sees it.
        await new SettingsStore(t.db, definitions, audit).set('lockout_threshold', '4', 'other instance');
        assert.equal((await settings.snapshot()).integer('lockout_threshold'), 4);
      } finally {
        t.db.off('query', count);
      }
    });

    it('stores typed text as a value of the setting type', async () => {
      const change = await settings.set('mobile_app_mfa', 'on', 'admin');
      assert.deepEqual(change, { name: 'mobile_app_mfa', oldValue: false, newValue: true });
      assert.equal(await settings.get('mobile_app_mfa'), true);
      assert.deepEqual(await storedRows(), [{ name: 'mobile_app_mfa', value: 'true', updated_by: 'admin' }]);
    });

    it('refuses an integer out of range, saying the range', async () => {
      await assert.rejects(settings.set('lockout_threshold', '0', 'admin'), rejectsWith('INVALID_SETTING', /out of range; use a number from 1 to 1000/));
      await assert.rejects(settings.set('lockout_threshold', '2.5', 'admin'), rejectsWith('INVALID_SETTING', /not a whole number; use a number from 1 to 1000/));
      assert.deepEqual(await storedRows(), []);
    });

    it('refuses "maybe" for a boolean, saying true or false', async () => {
      await assert.rejects(settings.set('enabled', 'maybe', 'admin'), rejectsWith('INVALID_SETTING', /"maybe" is not accepted; use true or false/));
      assert.equal(await settings.get('enabled'), true);
    });

    it('refuses a value outside a select, listing the options', async () => {
      await assert.rejects(settings.set('factor.totp.algorithm', 'MD5', 'admin'), rejectsWith('INVALID_SETTING', /"MD5" is not one of the choices; use one of: SHA1, SHA256, SHA512/));
    });

    it('refuses networks that are not CIDR, naming each, and accepts IPv4 and IPv6 ones', async () => {
      await assert.rejects(
        settings.set('factor.ip_range.ranges', '10.0.0.0/33, nonsense, 192.0.2.0/24', 'admin'),
        rejectsWith('INVALID_SETTING', /"10\.0\.0\.0\/33", "nonsense" are not a network in CIDR form/),
      );
      assert.deepEqual(await storedRows(), []);
      await settings.set('factor.ip_range.ranges', ['2001:db8::/32', 'fe80::1', '10.0.0.0/8'], 'admin');
      assert.deepEqual(await settings.get('factor.ip_range.ranges'), ['2001:db8::/32', 'fe80::1', '10.0.0.0/8']);
    });

    it('refuses a setting that does not exist, pointing to the list', async () => {
      await assert.rejects(settings.set('lockout', '5', 'admin'), rejectsWith('UNKNOWN_SETTING', /There is no setting "lockout".*settings list/));
    });

    it('writes one audit row per change with actor and old and new value, and none when the value is the same', async () => {
      await settings.set('lockout_threshold', '5', 'cli');
      await settings.set('lockout_threshold', '5', 'cli');
      await settings.set('lockout_threshold', 10, 'ada');
      const rows = await auditRows();
      assert.equal(rows.length, 2);
      const [second, first] = rows;
      assert.deepEqual(
        { event: first?.event, actor: first?.actor, detail: first?.detail },
        { event: 'settings_changed', actor: 'cli', detail: { name: 'lockout_threshold', oldValue: 10, newValue: 5 } },
      );
      assert.deepEqual({ actor: second?.actor, detail: second?.detail }, { actor: 'ada', detail: { name: 'lockout_threshold', oldValue: 5, newValue: 10 } });
    });

    it('does not keep a change whose audit row could not be written', async () => {
      const store = new SettingsStore(t.db, definitions, new FailingAuditLog(t.db, 1));
      await assert.rejects(store.set('mobile_app_mfa', 'true', 'cli'), /audit table unavailable/);
      assert.equal(await settings.get('mobile_app_mfa'), false);
      assert.deepEqual(await storedRows(), []);
    });

    it('saves several settings together, one audit row each', async () => {
      const changes = await settings.setMany({ lockout_threshold: '3', mobile_app_mfa: 'true', enabled: 'true' }, 'ada');
      assert.deepEqual(
        changes.map((c) => c.name),
        ['lockout_threshold', 'mobile_app_mfa'],
        'enabled was true already, so it is not a change',
      );
      assert.equal(await settings.get('lockout_threshold'), 3);
      assert.equal(await settings.get('mobile_app_mfa'), true);
      assert.equal((await auditRows()).length, 2);
    });

    it('saves nothing from setMany when one value is bad', async () => {
      await assert.rejects(
        settings.setMany({ lockout_threshold: '5', mobile_app_mfa: 'maybe' }, 'ada'),
        rejectsWith('INVALID_SETTING', /mobile_app_mfa.*"maybe"/),
      );
      assert.deepEqual(await storedRows(), []);
      assert.deepEqual(await auditRows(), []);
    });

    it('rolls back every setMany change when an audit write fails part-way', async () => {
      const store = new SettingsStore(t.db, definitions, new FailingAuditLog(t.db, 2));
      await assert.rejects(store.setMany({ lockout_threshold: '5', mobile_app_mfa: 'true' }, 'ada'), /audit table unavailable/);
      assert.deepEqual(await storedRows(), []);
      assert.deepEqual(await auditRows(), []);
    });

    it('falls back to the default when a stored value no longer validates', async () => {
      const row = { updated_at: Date.now(), updated_by: 'old-version' };
      await t.db('mfa_settings').insert([
        { name: 'lockout_threshold', value: '5000', ...row },
        { name: 'factor.totp.algorithm', value: '"MD5"', ...row },
        { name: 'mobile_app_mfa', value: 'not json at all', ...row },
      ]);
      assert.equal(await settings.get('lockout_threshold'), 10);
      assert.equal(await settings.get('factor.totp.algorithm'), 'SHA1');
      const snapshot = await settings.snapshot();
      assert.equal(snapshot.boolean('mobile_app_mfa'), false);
      assert.equal(snapshot.integer('lockout_threshold'), 10);
    });
  });
}
