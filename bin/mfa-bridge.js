#!/usr/bin/env node
// The `mfa-bridge` admin command. The code is TypeScript run as-is; tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../adapters/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
