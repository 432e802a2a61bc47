#!/usr/bin/env node
// `npm run build` (and `npm pack`'s prepack): the package's JavaScript and type declarations
// in dist/, so nothing a host installs runs TypeScript at run time (issue 13). tsc compiles
// (rewriting the sources' `.ts` imports to `.js`); the files the code reads from disk beside
// itself (browser scripts, the stylesheet, a factor's icon and web manifest; manifest.json)
// are copied to the same relative places. The browser helper (web/browser/, plain
// JavaScript for pages) gets declarations from its JSDoc, by tsc over tsconfig.browser.json.
//
// No source maps (tsconfig.build.json): the package does not ship its TypeScript sources,
// and a map of a file that is not there sends a debugger or a stack-trace tool to nothing
// (issue 21). tsc's output keeps the sources' names, lines of code and comments, so a
// stack trace into dist/ reads as it is.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist');
const SOURCE_FOLDERS = ['plugin', 'adapters', 'web'];
const COMPILED = /\.(ts|tsx)$/;
// What the code serves to browsers or reads at run time (adapters/express/web/factorAssets.ts
// serves these kinds). Anything else in a source folder (notes, fixtures, another
// language's files) stays out of the package.
const RUN_TIME_FILES = new Set(['.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.png']);

rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (existsSync(join(root, 'web', 'browser'))) {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.browser.json')], { stdio: 'inherit' });
}

let copied = 0;
const left = [];
function copyRunTimeFiles(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) copyRunTimeFiles(path);
    else if (COMPILED.test(name)) continue;
    else if (RUN_TIME_FILES.has(extname(name).toLowerCase())) {
      cpSync(path, join(out, relative(root, path)));
      copied += 1;
    } else left.push(relative(root, path));
  }
}
for (const folder of SOURCE_FOLDERS) copyRunTimeFiles(join(root, folder));
cpSync(join(root, 'manifest.json'), join(out, 'manifest.json'));
// stderr: `npm pack --json` prints its answer on stdout, after this script's output.
console.error(`dist/ built: compiled ${SOURCE_FOLDERS.join(', ')}; copied ${copied} files they read at run time, and manifest.json`);
if (left.length > 0) console.error(`not packaged (not a kind the code reads at run time): ${left.join(', ')}`);
