/**
 * The layers of DESIGN.md, held against the code's own imports (issue 21): arrows point
 * inward (hosts → doors and pages → plugin), inside plugin/ no import runs up a layer, the
 * SPI depends on nothing but types, a factor reaches only the SPI and the small utilities
 * below it, and no two folders import each other, directly or round a longer circle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE_ROOTS = ['plugin', 'adapters', 'web', 'lms'];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js|mjs)$/.test(file))
    .map((file) => join(dir, file).split('\\').join('/'));
}

/** Every relative import or re-export of a file, resolved to a path from the repository root. */
export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const found: Import[] = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    if (!isImport && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    const typeOnly = isImport ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
    found.push({ from: file, to: normalize(join(dirname(file), specifier.text)).split('\\').join('/'), typeOnly });
  }
  return found;
}

const FILES = SOURCE_ROOTS.flatMap(sourceFiles);
const IMPORTS = FILES.flatMap((file) => importsOf(file));

/** The top-level area of a path: plugin, adapters, web, lms... */
const area = (path: string) => path.split('/')[0] ?? path;

/**
 * plugin/'s layers, bottom first: a file may import its own layer or any below it. The
 * folder (or root file) of a path decides its layer.
 */
const PLUGIN_LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors.ts', 'spi'],
  ['crypto', 'net', 'audit', 'manifest'],
  ['store'],
  ['settings', 'credentials', 'notifications', 'factors'],
  ['engine'],
  ['login', 'bridge'],
  ['account'],
  ['admin'],
  ['createMfaPlugin.ts', 'createBridge.ts', 'migratePlugin.ts', 'loadFactorModules.ts', 'index.ts'],
];

function pluginPart(path: string): string {
  return path.split('/')[1] ?? path;
}

function pluginLayer(path: string): number {
  const part = pluginPart(path);
  const layer = PLUGIN_LAYERS.findIndex((names) => names.includes(part));
  assert.notEqual(layer, -1, `${path} is in no layer of plugin/: give ${part} one in PLUGIN_LAYERS`);
  return layer;
}

/** What a factor folder may reach besides itself. */
const FACTOR_MAY_IMPORT = ['spi', 'crypto', 'net', 'errors.ts'];

/**
 * The room a file is in, for the circle check: its folder (plugin/engine,
 * adapters/express/web); a file directly in an area's root (plugin/errors.ts at the bottom,
 * plugin/createMfaPlugin.ts at the top) is a room of its own.
 */
const folderOf = (path: string) => (SOURCE_ROOTS.includes(dirname(path)) ? path : dirname(path));

/** Circles in a graph of folders (Tarjan's strongly connected components of more than one). */
function circles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indices.has(node)) visit(node);
  return found;
}

function folderGraph(imports: readonly Import[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  return edges;
}

describe('the layers hold: arrows point inward, no folder circles', () => {
  it('reads the imports it judges (a file of every area, type-only imports told apart)', () => {
    for (const name of SOURCE_ROOTS) assert.ok(FILES.some((file) => area(file) === name), `${name}/ is scanned`);
    const probe = importsOf('plugin/probe.ts', "import type { A } from './spi/a.ts';\nimport { b } from '../adapters/b.ts';\nexport { c } from './c.ts';\nimport x from 'knex';");
    assert.deepEqual(probe, [
      { from: 'plugin/probe.ts', to: 'plugin/spi/a.ts', typeOnly: true },
      { from: 'plugin/probe.ts', to: 'adapters/b.ts', typeOnly: false },
      { from: 'plugin/probe.ts', to: 'plugin/c.ts', typeOnly: false },
    ]);
  });

  it('plugin/ imports nothing of the doors, the pages or the hosts', () => {
    const out = IMPORTS.filter((i) => area(i.from) === 'plugin' && area(i.to) !== 'plugin').map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(out, []);
  });

  it('web/ (pages) imports only plugin/ and itself; adapters/ no host', () => {
    const web = IMPORTS.filter((i) => area(i.from) === 'web' && !['web', 'plugin'].includes(area(i.to))).map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(web, []);
    const adapters = IMPORTS.filter((i) => area(i.from) === 'adapters' && !['adapters', 'web', 'plugin'].includes(area(i.to))).map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(adapters, []);
  });

  it('no import inside plugin/ runs up a layer', () => {
    const up = IMPORTS.filter((i) => area(i.from) === 'plugin' && area(i.to) === 'plugin' && pluginLayer(i.to) > pluginLayer(i.from)).map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(up, []);
  });

  it('the SPI depends on nothing but its own types', () => {
    const spi = IMPORTS.filter((i) => i.from.startsWith('plugin/spi/'));
    assert.ok(spi.length > 0);
    assert.deepEqual(spi.filter((i) => !i.to.startsWith('plugin/spi/') || !i.typeOnly).map((i) => `${i.from} → ${i.to}`), []);
  });

  it('a factor reaches only its own folder, the SPI and the utilities below it: never another factor, the engine or the store', () => {
    const wrong = IMPORTS.filter((i) => {
      const [, top, name] = i.from.split('/');
      if (top !== 'factors' || !name || name.endsWith('.ts')) return false;
      const own = `plugin/factors/${name}/`;
      return !i.to.startsWith(own) && !FACTOR_MAY_IMPORT.includes(pluginPart(i.to));
    });
    assert.deepEqual(wrong.map((i) => `${i.from} → ${i.to}`), []);
  });

  it('no two folders import each other, directly or round a circle', () => {
    assert.deepEqual(circles(folderGraph(IMPORTS)), []);
  });

  it('finds a circle and an import up a layer when there is one (the checks themselves can fail)', () => {
    const planted: Import[] = [
      { from: 'plugin/engine/a.ts', to: 'plugin/login/b.ts', typeOnly: false },
      { from: 'plugin/login/b.ts', to: 'plugin/engine/c.ts', typeOnly: false },
    ];
    assert.deepEqual(circles(folderGraph(planted)), [['plugin/engine', 'plugin/login']]);
    assert.deepEqual(circles(folderGraph([{ from: 'plugin/errors.ts', to: 'plugin/createMfaPlugin.ts', typeOnly: false }, { from: 'plugin/createMfaPlugin.ts', to: 'plugin/errors.ts', typeOnly: false }])), [['plugin/createMfaPlugin.ts', 'plugin/errors.ts']]);
    assert.ok(pluginLayer(planted[0]!.to) > pluginLayer(planted[0]!.from), 'engine importing login runs up');
    assert.equal(relative('plugin', 'plugin/spi/a.ts'), 'spi/a.ts');
  });
});
