#!/usr/bin/env node
// The `mfa-bridge` admin command. In a checkout of the repository it runs the TypeScript
// sources through tsx (a development dependency), so it never runs a stale build; the
// installed package ships no sources and runs the JavaScript built into dist/.
import { existsSync } from 'node:fs';

const sources = new URL('../adapters/cli/main.ts', import.meta.url);
let cli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(sources.href);
} else {
  cli = await import(new URL('../dist/adapters/cli/main.js', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
