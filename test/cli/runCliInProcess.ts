import { runCli } from '../../adapters/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line in this process against `databaseUrl`, capturing what it prints. */
export async function runCliInProcess(argv: string[], databaseUrl: string, env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env: { DATABASE_URL: databaseUrl, ...env },
    cwd: process.cwd(),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
