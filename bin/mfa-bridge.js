#!/usr/bin/env node
// The `mfa-bridge` admin command of the reference site (adapters/lms/lmsCli.ts; another host
// builds its own with createMfaCli). The code is TypeScript run as-is; tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
const { lmsCli } = await import('../adapters/lms/lmsCli.ts');
process.exitCode = await lmsCli.run(process.argv.slice(2));
