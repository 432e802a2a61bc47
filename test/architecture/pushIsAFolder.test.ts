/**
 * Issue 12's proof that a factor is a folder: push approval was written on the factor SPI
 * only, so apart from its folder (plugin/factors/push/), its tests (test/) and the one line
 * that registers it in the built-in factor list, no file of the plugin, the doors, the pages
 * or the CLI knows it exists: no factor id 'push', no `factor.push.` setting, no `/push/`
 * route, no import of its folder. A git diff of the push work would say the same, but CI
 * clones shallowly; the tree itself is always there.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
/** Everything but tests and docs. manifest.json is not here: it lists the factors a site ships with, written from their factories. */
const SCANNED = ['plugin', 'adapters', 'web', 'lms', 'bin', 'bench', 'examples', 'openapi.yaml', 'package.json'].filter((path) => existsSync(join(ROOT, path)));
const FACTOR_FOLDER = ['plugin', 'factors', 'push'].join('/');
const CODE = /\.(ts|js|mjs|cjs|json|yaml|yml|java|html|css)$/;

/** Ways code can name the push factor. Words in prose ("push bombing") are not names; comments are dropped first. */
const NAMES: Array<[string, RegExp]> = [
  ['the factor id as a string', /(['"`])push\1/],
  ['a push setting', /factor\.push\./],
  ['an import of the push folder', /factors\/push\b/],
  ['the push factory', /\bpushFactor\b/],
  ['one of its routes', /(['"`])\/push(\/|\1)/],
];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((name) => (name === 'node_modules' || name === 'dist' ? [] : files(join(path, name))));
}

/** The text without comments (block, line, and JSDoc), so a doc example is not a use. Strings with `//` in them (URLs) lose their tail: harmless here. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function mentions(path: string): Array<{ line: number; text: string; what: string }> {
  const found: Array<{ line: number; text: string; what: string }> = [];
  withoutComments(readFileSync(join(ROOT, path), 'utf8'))
    .split('\n')
    .forEach((text, index) => {
      const what = NAMES.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
      if (what.length > 0) found.push({ line: index + 1, text: text.trim(), what: what.join(', ') });
    });
  return found;
}

const scanned = SCANNED.flatMap(files)
  .map((path) => path.split(sep).join('/'))
  .filter((path) => CODE.test(path) && !path.startsWith(`${FACTOR_FOLDER}/`));

/** The file that declares the built-in factor list: where factors are registered, whichever file that is. */
const registry = scanned.filter((path) => /export const builtInFactors\b/.test(readFileSync(join(ROOT, path), 'utf8')));

describe('push approval is a folder', () => {
  it('has one built-in factor list, and push is registered there with one import and one entry', () => {
    assert.equal(registry.length, 1, `builtInFactors is declared in: ${registry.join(', ')}`);
    const lines = mentions(registry[0] ?? '').map((m) => m.text);
    assert.equal(lines.length, 2, `the registry names push on: ${lines.join(' | ')}`);
    assert.match(lines[0] ?? '', /^import \{ pushFactor \} from '\.\/(factors\/)?push\/index\.ts';$/);
    assert.match(lines[1] ?? '', /^export const builtInFactors\b.*\bpushFactor\b/);
  });

  it('is named by no other core, door, page or CLI file', () => {
    const others = scanned.filter((path) => !registry.includes(path)).flatMap((path) => mentions(path).map((m) => `${path}:${m.line} (${m.what}): ${m.text}`));
    assert.deepEqual(others, [], `files outside ${FACTOR_FOLDER}/ and test/ that name the push factor`);
  });

  it('would notice if one did (the scan is not blind)', () => {
    assert.ok(scanned.length > 100, `scanned ${scanned.length} files`);
    const sample = "if (factor.id === 'push') return renderPushPage(); // push: a comment is fine";
    const hits = NAMES.filter(([, pattern]) => pattern.test(withoutComments(sample)));
    assert.deepEqual(hits.map(([what]) => what), ['the factor id as a string']);
    assert.deepEqual(NAMES.filter(([, pattern]) => pattern.test(withoutComments("app.get('/push/device', handler)"))).map(([what]) => what), ['one of its routes']);
    assert.ok(scanned.some((path) => path === 'adapters/express/web/secondFactorRoutes.ts'), 'the doors are scanned');
  });
});
