// A factor as a third party would ship it: one package, plain JavaScript, no import from
// mfa-bridge (the SPI is types only). The tests load it through MFA_FACTORS from a copy of
// this folder, so nothing in the repository's code knows it. It asks for a PIN the user
// sets up; its own table counts PIN checks (a factor's own migration and tables).

const PIN_CHECKS = 'test_pin_checks';

export const pinChecksTable = {
  name: 'test_pin_001_checks',
  async up(db) {
    await db.schema.createTable(PIN_CHECKS, (t) => {
      t.increments('id').primary();
      t.string('user_id', 64).notNullable();
      t.bigInteger('at').notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTableIfExists(PIN_CHECKS);
  },
};

function readPin(input) {
  const pin = typeof input.pin === 'string' ? input.pin : typeof input.code === 'string' ? input.code : '';
  return /^\d{4,8}$/.test(pin.trim()) ? pin.trim() : null;
}

class PinProvider {
  constructor(context) {
    this.context = context;
  }
  async configuredFor(user) {
    return (await this.context.storage.records.list(user.id)).length > 0;
  }
  async state() {
    return 'unknown';
  }
  async verify(attempt, user, input) {
    const pin = readPin(input);
    if (pin === null) return { verified: false, reason: 'invalid', message: 'A PIN is 4 to 8 digits.' };
    await this.context.ownTables(PIN_CHECKS).insert({ user_id: user.id, at: this.context.now() });
    const [record] = await this.context.storage.records.list(user.id);
    if (!record) return { verified: false, reason: 'not_configured' };
    return record.data.pin === pin ? { verified: true, deviceId: record.id } : { verified: false, reason: 'invalid', message: 'That PIN is not right.' };
  }
  async listDevices(user) {
    return (await this.context.storage.records.list(user.id)).map((r) => ({ id: r.id, factor: 'test_pin', label: r.label, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt }));
  }
  async revoke(user, id) {
    return this.context.storage.records.remove(user.id, id);
  }
  async beginSetup(user, input) {
    const pin = readPin(input);
    const record = await this.context.storage.records.insert(user.id, { label: 'PIN', data: { pin } });
    return { setupId: record.id };
  }
  async confirmSetup(user, input) {
    const record = await this.context.storage.records.get(user.id, Number(input.setupId));
    if (!record || !(await this.context.storage.records.update(record, { confirmed: true }))) throw new Error('set-up gone');
    return { id: record.id, factor: 'test_pin', label: record.label, createdAt: record.createdAt, lastUsedAt: null };
  }
}

export default {
  id: 'test_pin',
  displayName: 'Test PIN',
  referenceCategory: 'knowledge',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  settings: [
    { name: 'enabled', type: 'boolean', default: true, label: 'Enabled', help: 'Users may set up a PIN.' },
    { name: 'weight', type: 'integer', default: 100, min: 0, max: 100, label: 'Weight', help: 'Points a PIN adds; MFA passes at 100.' },
    { name: 'min_length', type: 'integer', default: 4, min: 4, max: 8, label: 'Shortest PIN', help: 'Digits a PIN needs at least.' },
  ],
  migrations: [pinChecksTable],
  tables: [PIN_CHECKS],
  create: (context) => new PinProvider(context),
};
