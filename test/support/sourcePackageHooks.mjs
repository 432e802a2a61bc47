// Module resolution hooks (node:module register) for test hosts written as a stranger
// writes them, `import ... from 'mfa-bridge/express'`: each specifier goes through the
// package's own `exports` map, and the built file it names (./dist/<path>.js) is read from
// the sources instead (<path>.ts, or <path>.js for a file shipped as it is). So a host runs
// against this checkout without `npm pack` (test/package/exampleHost.test.ts pins the
// packed package), and a specifier the package does not export fails as it would installed.
import { existsSync, readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const { name, exports } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8'));

export async function resolve(specifier, context, nextResolve) {
  if (specifier !== name && !specifier.startsWith(`${name}/`)) return nextResolve(specifier, context);
  const key = specifier === name ? '.' : `.${specifier.slice(name.length)}`;
  const entry = exports[key];
  const built = typeof entry === 'string' ? entry : entry?.default;
  if (!built) throw Object.assign(new Error(`Package subpath '${key}' is not defined by "exports" of ${name}`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const source = built.replace(/^\.\/dist\//, './');
  const typescript = new URL(source.replace(/\.js$/, '.ts'), ROOT);
  // Through the next resolver (tsx's), which loads TypeScript it resolved itself.
  return nextResolve((existsSync(typescript) ? typescript : new URL(source, ROOT)).href, context);
}
