#!/usr/bin/env node
// `npm run build`: the package's JavaScript and type declarations in dist/, so nothing a
// host installs runs TypeScript at run time (issue 13). tsc compiles (rewriting the
// sources' `.ts` imports to `.js`); the files the code reads from disk beside itself
// (browser scripts, the stylesheet, manifest.json) are copied to the same relative places.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist');
const SOURCE_FOLDERS = ['plugin', 'adapters', 'web'];
const COMPILED = /\.(ts|tsx)$/;

rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

let copied = 0;
function copyNonSources(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) copyNonSources(path);
    else if (!COMPILED.test(name)) {
      cpSync(path, join(out, relative(root, path)));
      copied += 1;
    }
  }
}
for (const folder of SOURCE_FOLDERS) copyNonSources(join(root, folder));
cpSync(join(root, 'manifest.json'), join(out, 'manifest.json'));
console.log(`dist/ built: compiled ${SOURCE_FOLDERS.join(', ')}; copied ${copied} files they read at run time, and manifest.json`);
