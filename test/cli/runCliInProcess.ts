import type { MfaCli } from '../../adapters/cli/createMfaCli.ts';
import { lmsCli } from '../../lms/lmsCli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command line in this process against `databaseUrl`, capturing what it prints:
 * the reference site's CLI unless another is given; `env` adds to the environment (keys).
 */
export async function runCliInProcess(argv: string[], databaseUrl: string, env: NodeJS.ProcessEnv = {}, cli: MfaCli = lmsCli): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli.run(argv, {
    env: { DATABASE_URL: databaseUrl, ...env },
    cwd: process.cwd(),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
