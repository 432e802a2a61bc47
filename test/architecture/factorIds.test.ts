import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { builtInFactors } from '../../plugin/createMfaPlugin.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const IDS = new Set(builtInFactors.map((factory) => factory.id));

/**
 * Literals that spell a factor id but mean something else: the host's own `email` field and
 * column (the user's address, not the email-code factor). Each with its reason; nothing else.
 */
const NOT_THE_FACTOR: ReadonlyArray<{ file: string; literal: string; why: string }> = [
  { file: 'lms/users.ts', literal: 'email', why: 'the LMS user’s address field, in a validation error' },
  { file: 'lms/migrations/001_lms_tables.ts', literal: 'email', why: 'the LMS users table’s column' },
  { file: 'lms/lmsUserCommands.ts', literal: 'email', why: 'the LMS CLI’s `user add --email` option' },
  { file: 'plugin/store/migrations/008_bridge.ts', literal: 'email', why: 'the bridge users table’s column (a platform user’s address)' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js|mjs)$/.test(file))
    .map((file) => join(dir, file).split('\\').join('/'));
}

/** Every string literal (quotes or a template without substitutions) in a file: comments and identifiers do not count. */
function literalsIn(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Array<{ text: string; line: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const found: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      found.push({ text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

/** Where a built-in factor's id is written as a literal in `files`, apart from the listed exceptions. */
function idsNamedIn(files: readonly string[]): string[] {
  const named: string[] = [];
  for (const file of files) {
    for (const { text, line } of literalsIn(file)) {
      if (IDS.has(text) && !NOT_THE_FACTOR.some((allowed) => allowed.file === file && allowed.literal === text)) named.push(`${file}:${line} '${text}'`);
    }
  }
  return named;
}

describe('a factor is a folder: no door or page names a built-in factor id', () => {
  it('knows the ids it looks for (the registry’s)', () => {
    assert.ok(IDS.size >= 6, `built-in factors: ${[...IDS].join(', ')}`);
  });

  it('finds no factor id as a string literal in adapters/ or web/', () => {
    assert.deepEqual(idsNamedIn([...sourceFiles('adapters'), ...sourceFiles('web'), ...sourceFiles('lms')]), []);
  });

  it('catches an id in quotes or a plain template, and not in a comment or a name (the scan itself can fail)', () => {
    const probe = "// totp in a comment\nconst totp = 1;\nif (factor === 'totp' || factor === `webauthn`) use(\"recovery_codes\");";
    assert.deepEqual(literalsIn('probe.ts', probe).filter(({ text }) => IDS.has(text)), [
      { text: 'totp', line: 3 },
      { text: 'webauthn', line: 3 },
      { text: 'recovery_codes', line: 3 },
    ]);
  });

  it('finds none in plugin/ outside the factors’ own folders', () => {
    const outside = sourceFiles('plugin').filter((file) => !file.startsWith('plugin/factors/'));
    assert.deepEqual(idsNamedIn(outside), []);
  });
});
