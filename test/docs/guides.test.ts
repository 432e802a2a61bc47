/**
 * Issue 21: the README is a front page and the guides live under docs/, each followed by
 * the tests that prove it. This holds them to it: the README stays short and keeps the
 * quick start's two commands, links every guide, no relative link in README.md, SECURITY.md
 * or a guide leads nowhere (file or heading), every test file a guide names exists, every guide names
 * one in its "Proved by" list, and every `file › test name` in SECURITY.md and the guides
 * names a test that file has.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const README_MAX_LINES = 400;
const QUICK_START_COMMANDS = ['npm ci && npm start', 'npm test'];
const GUIDES = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);

type Read = (path: string) => string | undefined;

/** A file of the repository, or undefined when there is none; a folder named (`test/hosts/members-app/`) reads as empty text: it exists. */
const readRepositoryFile: Read = (path) => {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
};

/** Markdown without its fenced blocks and inline code: what is left is prose, headings and links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** Heading anchors as GitHub makes them: the text lower-cased, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const [, text] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = text!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative links of a document (no scheme): inline `[text](target)`, outside code. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The repository path a relative link of `document` opens (its anchor apart). */
function linkedPath(document: string, target: string): { path: string; anchor: string | null } {
  const hash = target.indexOf('#');
  const file = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  return { path: file === '' ? document : normalize(join(dirname(document), decodeURIComponent(file))).split('\\').join('/'), anchor };
}

/** Every link of `document` that leads to no file, or to no heading of the document it opens. */
export function brokenLinks(document: string, markdown: string, read: Read = readRepositoryFile): string[] {
  const broken: string[] = [];
  for (const target of relativeLinks(markdown)) {
    const { path, anchor } = linkedPath(document, target);
    if (path !== document && !existsSync(join(ROOT, path)) && read(path) === undefined) {
      broken.push(`${document}: ${target} (no file ${path})`);
      continue;
    }
    if (anchor === null || !path.endsWith('.md')) continue;
    const linked = path === document ? markdown : read(path);
    if (linked === undefined || !headingAnchors(linked).has(anchor)) broken.push(`${document}: ${target} (no heading #${anchor} in ${path})`);
  }
  return broken;
}

/** The test files a document names in code: `test/....test.ts` and the Keycloak provider's `keycloak/src/test/...`. */
export function testFilesNamed(markdown: string): string[] {
  return [...markdown.matchAll(/`((?:test|keycloak\/src\/test)\/[^`\s›]+)`/g)].map((match) => match[1]!);
}

/** The text of a guide's "## Proved by" section, or null when it has none. */
export function proofSection(markdown: string): string | null {
  const start = markdown.search(/^## Proved by$/m);
  if (start === -1) return null;
  const next = markdown.slice(start + 1).search(/^## /m);
  return next === -1 ? markdown.slice(start) : markdown.slice(start, start + 1 + next);
}

/** What each `file › test name` (or `› test name`, the file before it) of a document names. */
export function testReferences(markdown: string): Array<{ file: string | null; name: string }> {
  const references: Array<{ file: string | null; name: string }> = [];
  let file: string | null = null;
  for (const [, before, after] of markdown.matchAll(/`([^`]*?)›([^`]+)`/g)) {
    const named = before!.trim();
    if (named !== '' && !named.includes('/')) continue; // "`file › test name`": the form itself, explained
    if (named !== '') file = named;
    references.push({ file, name: after!.replace(/\s+/g, ' ').trim() });
  }
  return references;
}

/** The string literals of a test file (a test's name is one): quoted or template without substitutions, unescaped. */
function stringLiterals(path: string, text: string): Set<string> {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.add(node.text.replace(/\s+/g, ' ').trim());
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

/** Every `file › test name` of a document whose file is missing or has no test of that name. */
export function unknownTests(document: string, markdown: string, read: Read = readRepositoryFile): string[] {
  const unknown: string[] = [];
  for (const { file, name } of testReferences(markdown)) {
    const text = file === null ? undefined : read(file);
    if (file === null) unknown.push(`${document}: › ${name} (no file named before it)`);
    else if (text === undefined) unknown.push(`${document}: ${file} › ${name} (no such file)`);
    else if (!stringLiterals(file, text).has(name)) unknown.push(`${document}: ${file} › ${name} (no test of that name in it)`);
  }
  return unknown;
}

/** Each guide's problems with its proof: no "Proved by", none named there, or a named test file missing. */
export function unprovenGuides(guides: ReadonlyArray<{ path: string; text: string }>, read: Read = readRepositoryFile): string[] {
  const problems: string[] = [];
  for (const { path, text } of guides) {
    const proof = proofSection(text);
    if (proof === null) problems.push(`${path}: no "## Proved by" section`);
    else if (testFilesNamed(proof).length === 0) problems.push(`${path}: its "Proved by" names no test file`);
    for (const file of testFilesNamed(text)) if (read(file) === undefined) problems.push(`${path}: names ${file}, which does not exist`);
  }
  return problems;
}

describe('the README and the guides under docs/', () => {
  const readme = readRepositoryFile('README.md')!;
  const guides = GUIDES.map((path) => ({ path, text: readRepositoryFile(path)! }));

  it(`keeps the README a front page: at most ${README_MAX_LINES} lines, with the quick start's two commands word for word`, () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move a section into a guide under docs/`);
    for (const command of QUICK_START_COMMANDS) assert.ok(readme.includes(`\n${command}\n`), `README.md lacks the line \`${command}\``);
  });

  it('links every guide from the README', () => {
    assert.ok(guides.length >= 9, `found only ${guides.length} guides under docs/`);
    const linked = new Set(relativeLinks(readme).map((target) => linkedPath('README.md', target).path));
    assert.deepEqual(GUIDES.filter((guide) => !linked.has(guide)), [], 'guides the README does not link');
  });

  it('has no relative link in README.md, SECURITY.md or a guide that leads to no file or no heading', () => {
    const documents = [{ path: 'README.md', text: readme }, { path: 'SECURITY.md', text: readRepositoryFile('SECURITY.md')! }, ...guides];
    assert.deepEqual(documents.flatMap(({ path, text }) => brokenLinks(path, text)), []);
  });

  it('has every guide name the test files that prove it ("Proved by"), and every test file a guide names exist', () => {
    assert.deepEqual(unprovenGuides(guides), []);
  });

  it('names, in SECURITY.md and the guides, only tests that exist: each `file › test name` is a test of that file', () => {
    const documents = [{ path: 'SECURITY.md', text: readRepositoryFile('SECURITY.md')! }, ...guides];
    assert.ok(testReferences(documents[0]!.text).length > 50, 'SECURITY.md’s `file › test name` references are read');
    assert.deepEqual(documents.flatMap(({ path, text }) => unknownTests(path, text)), []);
  });

  it('catches a broken link or heading, an unknown test file or name, and a guide without its proof (the checks themselves can fail)', () => {
    const files: Record<string, string> = { 'docs/a.md': '# A\n\n## Some part (`x`)\n', 'test/x.test.ts': "it('does a thing', () => {});\n// does another thing\n" };
    const read: Read = (path) => files[path];
    assert.deepEqual(brokenLinks('docs/b.md', '[ok](a.md#some-part-x) [self](#b) `[code](nowhere.md)`\n# B\n', read), []);
    assert.deepEqual(brokenLinks('docs/b.md', '[gone](nowhere.md) [heading](a.md#other) [up](../README.md)\n', read), [
      'docs/b.md: nowhere.md (no file docs/nowhere.md)',
      'docs/b.md: a.md#other (no heading #other in docs/a.md)',
    ]);
    assert.deepEqual(unknownTests('G', 'The form is `file › test name`. `test/x.test.ts › does a thing`, `› does another thing`, `test/y.test.ts › z`', read), [
      'G: test/x.test.ts › does another thing (no test of that name in it)',
      'G: test/y.test.ts › z (no such file)',
    ]);
    assert.deepEqual(unknownTests('G', '`› orphan`', read), ['G: › orphan (no file named before it)']);
    assert.deepEqual(unprovenGuides([{ path: 'ok', text: '# Ok\n\n## Proved by\n\n- `test/x.test.ts`\n' }], read), []);
    assert.deepEqual(unprovenGuides([
      { path: 'none', text: '# None\n\nSee `test/x.test.ts`.\n' },
      { path: 'empty', text: '# Empty\n\n## Proved by\n\nNothing.\n\n## Later\n\n`test/x.test.ts`\n' },
      { path: 'missing', text: '# Missing\n\n## Proved by\n\n- `test/gone.test.ts`\n' },
    ], read), [
      'none: no "## Proved by" section',
      'empty: its "Proved by" names no test file',
      'missing: names test/gone.test.ts, which does not exist',
    ]);
  });
});
