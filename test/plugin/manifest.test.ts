import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { builtInFactors } from '../../plugin/factors/index.ts';
import { buildManifest, manifestText } from '../../plugin/manifest/buildManifest.ts';
import { loadManifest, manifestSchema } from '../../plugin/manifest/manifest.ts';
import { parseSettingValue } from '../../plugin/settings/parseSettingValue.ts';

describe('manifest.json', () => {
  const manifest = loadManifest();

  it('parses against the manifest schema', () => {
    const raw: unknown = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'));
    assert.equal(manifestSchema.safeParse(raw).success, true);
    assert.equal(manifest.id, 'mfa_bridge');
    assert.ok(manifest.settings.length > 0);
  });

  it('is what `npm run manifest` makes of the factories (regenerate it after changing a factor)', () => {
    const onDisk = readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8');
    assert.equal(onDisk, manifestText(builtInFactors), 'manifest.json is stale: run npm run manifest');
  });

  it('names each factor as its factory does, with its capabilities', () => {
    assert.deepEqual(
      manifest.factors.map((f) => [f.id, f.displayName, f.capabilities.phishingResistant]),
      builtInFactors.map((f) => [f.id, f.displayName, f.capabilities.phishingResistant]),
    );
    assert.equal(manifest.factors.find((f) => f.id === 'trusted_device')?.displayName, 'Trusted device');
  });

  it('notices a factor whose settings changed: the generated text differs', () => {
    const [first, ...rest] = builtInFactors;
    assert.ok(first);
    const changed = { ...first, settings: [...first.settings, { name: 'extra', type: 'boolean' as const, default: false, label: 'Extra', help: 'A new setting.' }] };
    assert.notEqual(manifestText([changed, ...rest]), manifestText(builtInFactors));
    assert.ok(buildManifest([changed, ...rest]).settings.some((s) => s.name === `factor.${first.id}.extra` && s.section === `factor.${first.id}`));
  });

  it('gives every setting a default that its own definition accepts', () => {
    for (const definition of manifest.settings) {
      assert.deepEqual(parseSettingValue(definition, definition.default), definition.default, `default of ${definition.name}`);
    }
  });

  it('declares an enabled switch and a weight for every factor it lists', () => {
    const byName = new Map(manifest.settings.map((s) => [s.name, s]));
    assert.ok(manifest.factors.length > 0);
    for (const factor of manifest.factors) {
      assert.equal(byName.get(`factor.${factor.id}.enabled`)?.type, 'boolean', `factor.${factor.id}.enabled is a boolean`);
      const weight = byName.get(`factor.${factor.id}.weight`);
      assert.equal(weight?.type, 'integer', `factor.${factor.id}.weight is an integer`);
      if (weight?.type === 'integer') assert.ok(weight.min >= 0 && weight.max === 100, `factor.${factor.id}.weight is 0..100`);
    }
  });

  it('labels only options a select offers, and accepts a string setting’s default against its own pattern', () => {
    for (const definition of manifest.settings) {
      if (definition.type === 'select' && definition.optionLabels) {
        assert.deepEqual(Object.keys(definition.optionLabels).filter((option) => !definition.options.includes(option)), [], definition.name);
      }
      if (definition.type === 'string' && definition.pattern) assert.match(definition.default, new RegExp(definition.pattern.regex), definition.name);
    }
  });

  it('uses every setting name and factor id once', () => {
    const names = manifest.settings.map((s) => s.name);
    assert.deepEqual(names.filter((name, i) => names.indexOf(name) !== i), []);
    const ids = manifest.factors.map((f) => f.id);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  it('puts every factor setting in its factor section', () => {
    for (const definition of manifest.settings.filter((s) => s.name.startsWith('factor.'))) {
      const [, id] = definition.name.split('.');
      assert.equal(definition.section, `factor.${id}`, definition.name);
      assert.ok(manifest.factors.some((f) => f.id === id), `${definition.name} belongs to a listed factor`);
    }
  });
});
