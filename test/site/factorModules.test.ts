import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSiteConfig } from '../../lms/config.ts';
import { buildSite } from '../../lms/start.ts';
import { createUser } from '../../lms/users.ts';
import { builtInFactors } from '../../plugin/factors/index.ts';
import { loadFactorModules } from '../../plugin/loadFactorModules.ts';
import { lmsCli } from '../../lms/lmsCli.ts';

const DROP_IN = new URL('../support/dropInFactor/', import.meta.url);

/**
 * Third-party factors from configuration (MFA_FACTORS): a factor that lives outside the
 * repository's code, in a folder of its own, joins the site as `npm start` and the CLI
 * build it: its settings merged, its migration run, usable at login. A module that does
 * not fit stops the start with a message that says what to fix.
 */
describe('factors loaded from MFA_FACTORS', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-factors-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A site folder with a copy of the drop-in factor under `factors/pin`, and its environment. */
  function siteWithDropIn() {
    const dir = freshDir();
    cpSync(DROP_IN, join(dir, 'factors', 'pin'), { recursive: true });
    const env = { DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}`, MFA_FACTORS: './factors/pin', MFA_SECRET_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: 'test' };
    return { dir, env };
  }

  it('loads a factor from a folder path: its settings join the store, its migration runs, and a login passes with it', async () => {
    const { dir, env } = siteWithDropIn();
    const site = await buildSite(readSiteConfig(env, dir), env, () => undefined);
    try {
      const { plugin, db } = site;
      assert.deepEqual(plugin.registry.all().map((f) => f.id), [...builtInFactors.map((f) => f.id), 'test_pin']);
      assert.ok(plugin.manifest.factors.some((f) => f.id === 'test_pin' && f.displayName === 'Test PIN'));
      const names = plugin.settings.listDefinitions().map((d) => d.name);
      assert.ok(['factor.test_pin.enabled', 'factor.test_pin.weight', 'factor.test_pin.min_length'].every((name) => names.includes(name)), 'its settings are merged');
      assert.equal(plugin.settings.definition('factor.test_pin.min_length').section, 'factor.test_pin');
      assert.equal(await db.schema.hasTable('test_pin_checks'), true, 'its migration ran');
      assert.deepEqual((await db('mfa_factor_migrations').select('name')).map((r: { name: string }) => r.name).sort(), ['test_pin_001_checks', 'trusted_device_001_trusted_devices']);

      await createUser(db, { username: 'pin-user', email: 'pin-user@example.edu', password: 'a long password here' });
      const user = await plugin.registry.host.findUserByUsername('pin-user');
      assert.ok(user);
      const setup = await plugin.enrolment.beginSetup(user, 'test_pin', { pin: '4711' });
      await plugin.enrolment.confirmSetup(user, 'test_pin', { ...setup }, { actor: user.username, ip: null });
      const opened = await plugin.engine.openAttempt({ user, door: 'web', facts: { ip: null, userAgent: null } });
      assert.ok(opened.outcome !== 'not_required');
      const standing = opened.factors.find((f) => f.id === 'test_pin');
      assert.ok(standing?.configured && standing.capabilities.worksWithoutBrowser, 'offered where a client without a browser can answer it');
      await assert.rejects(plugin.engine.verify(opened.attempt.id, 'test_pin', { pin: '0000' }, { ip: null, userAgent: null }), /That PIN is not right/);
      const passed = await plugin.engine.verify(opened.attempt.id, 'test_pin', { pin: '4711' }, { ip: null, userAgent: null });
      assert.equal(passed.outcome, 'passed');
      assert.equal((await db('test_pin_checks')).length, 2, 'the factor wrote its own table');
    } finally {
      await site.db.destroy();
    }
  });

  it('shows and sets its settings from the command line with the same MFA_FACTORS', async () => {
    const { dir, env } = siteWithDropIn();
    const out: string[] = [];
    const err: string[] = [];
    const io = { env, cwd: dir, out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    assert.equal(await lmsCli.run(['settings', 'set', 'factor.test_pin.min_length', '6'], io), 0, err.join('\n'));
    assert.equal(await lmsCli.run(['settings', 'get', 'factor.test_pin.min_length'], io), 0, err.join('\n'));
    assert.equal(out.at(-1), '6');
    assert.equal(await lmsCli.run(['settings', 'list'], io), 0);
    assert.ok(out.some((line) => line.includes('factor.test_pin.enabled')), 'settings list shows the loaded factor’s settings');
    const without = { ...io, env: { ...env, MFA_FACTORS: '' } };
    assert.equal(await lmsCli.run(['settings', 'get', 'factor.test_pin.min_length'], without), 1, 'without it, the setting is unknown');
  });

  it('refuses a module of the wrong shape, a factor id that is taken, and a path that is not there, saying what to fix', async () => {
    const dir = freshDir();
    const write = (name: string, source: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'package.json'), JSON.stringify({ name, type: 'module', exports: './index.js' }));
      writeFileSync(join(dir, name, 'index.js'), source);
    };
    write('no-export', 'export const somethingElse = 1;');
    write('no-capabilities', "export default { id: 'shapeless', displayName: 'Shapeless', referenceCategory: 'x', requiresInput: true, userSetupAllowed: false, settings: [], create() {} };");
    write('taken-id', "export const factor = { id: 'totp', displayName: 'Another TOTP', referenceCategory: 'otp', requiresInput: true, userSetupAllowed: true, capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true }, settings: [], create() {} };");
    write('engine-table', "export default { id: 'greedy', displayName: 'Greedy', referenceCategory: 'x', requiresInput: false, userSetupAllowed: false, capabilities: { requiresInput: false, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: false }, settings: [{ name: 'enabled', type: 'boolean', default: false, label: 'On', help: 'On.' }, { name: 'weight', type: 'integer', default: 100, min: 0, max: 100, label: 'W', help: 'W.' }], tables: ['mfa_user_factors'], create() {} };");
    const load = (spec: string) => loadFactorModules([spec], { cwd: dir, registered: builtInFactors });
    await assert.rejects(load('./no-export'), { code: 'CONFIGURATION', message: /exports no factor: export a FactorProviderFactory/ });
    await assert.rejects(load('./no-capabilities'), { code: 'CONFIGURATION', message: /factor "shapeless" declares no capabilities/ });
    await assert.rejects(load('./taken-id'), { code: 'CONFIGURATION', message: /another factor has the id "totp" already/ });
    await assert.rejects(load('./engine-table'), { code: 'CONFIGURATION', message: /declares the engine table mfa_user_factors/ });
    await assert.rejects(load('./not-there'), { code: 'CONFIGURATION', message: /MFA_FACTORS: cannot load \.\/not-there/ });
    // npm start stops on it before it opens the database.
    const env = { DATABASE_URL: `sqlite:${join(dir, 'site.sqlite')}`, MFA_FACTORS: './taken-id' };
    await assert.rejects(buildSite(readSiteConfig(env, dir), env, () => undefined), /another factor has the id "totp" already/);
  });
});
