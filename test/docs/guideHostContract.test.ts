/**
 * docs/add-to-your-app.md lists what a host writes: every member of `Host` with its
 * signature, and every field of `HostUser`. This holds the list to plugin/spi/host.ts, read
 * with the TypeScript compiler: a member added, removed, made optional or given another
 * signature in one place and not the other fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const GUIDE = join(ROOT, 'docs', 'add-to-your-app.md');
const HOST_FILE = join(ROOT, 'plugin', 'spi', 'host.ts');

const squash = (text: string) => text.replace(/\s+/g, ' ').replace(/\(\s/g, '(').replace(/\s\)/g, ')').trim();

/** The members of an interface of host.ts as one-line signatures: `name?(a: T): R` for a method, `name?: T` for a property. */
function declaredMembers(source: string, name: string): string[] {
  const file = ts.createSourceFile('host.ts', source, ts.ScriptTarget.Latest, true);
  const declaration = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(declaration, `host.ts declares ${name}`);
  return declaration.members.map((member) => {
    const optional = member.questionToken ? '?' : '';
    if (ts.isMethodSignature(member)) {
      const parameters = member.parameters.map((p) => p.getText(file)).join(', ');
      return squash(`${member.name.getText(file)}${optional}(${parameters}): ${member.type?.getText(file) ?? 'void'}`);
    }
    assert.ok(ts.isPropertySignature(member), `${name} has only methods and properties`);
    return squash(`${member.name.getText(file)}${optional}: ${member.type?.getText(file)}`);
  });
}

/** The guide's section "The Host contract": its list items that name a member in code (`- \`...\``), methods and fields apart. */
function documentedMembers(guide: string): { host: string[]; hostUser: string[] } {
  const start = guide.search(/^## The Host contract/m);
  assert.notEqual(start, -1, 'the guide has a section "The Host contract"');
  const end = guide.indexOf('\n## ', start + 1);
  const section = guide.slice(start, end === -1 ? undefined : end);
  const items = [...section.matchAll(/^- `([^`]+)`/gm)].map((m) => squash(m[1]!));
  return { host: items.filter((item) => /^\w+\??\(/.test(item)), hostUser: items.filter((item) => /^\w+\??: /.test(item)) };
}

describe('the guide’s Host contract is the Host type', () => {
  it('documents every member of Host, with its signature and whether it is optional, and nothing else', () => {
    const documented = documentedMembers(readFileSync(GUIDE, 'utf8'));
    // The guide lists the required members first: the same set, in any order.
    assert.deepEqual([...documented.host].sort(), declaredMembers(readFileSync(HOST_FILE, 'utf8'), 'Host').sort());
  });

  it('documents every field of HostUser with its type', () => {
    const documented = documentedMembers(readFileSync(GUIDE, 'utf8'));
    assert.deepEqual([...documented.hostUser].sort(), declaredMembers(readFileSync(HOST_FILE, 'utf8'), 'HostUser').sort());
  });

  it('reads signatures as the compiler does (the comparison itself can fail)', () => {
    const source = 'export interface Host {\n  /** doc */\n  findUserById(id: string): Promise<HostUser | null>;\n  appUser?(user: HostUser): Promise<unknown>;\n  label: string;\n}';
    assert.deepEqual(declaredMembers(source, 'Host'), ['findUserById(id: string): Promise<HostUser | null>', 'appUser?(user: HostUser): Promise<unknown>', 'label: string']);
    const guide = '## The Host contract\n\n- `findUserById(id: string): Promise<HostUser | null>` — finds\n- `id: string` — the key\n\n## Next\n\n- `other(): void`';
    assert.deepEqual(documentedMembers(guide), { host: ['findUserById(id: string): Promise<HostUser | null>'], hostUser: ['id: string'] });
  });
});
