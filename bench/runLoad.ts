/**
 * Runs one load job in a second process (bench/load/loadJob.ts): the load never shares
 * the site's event loop or its CPU time slice accounting.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadJob, LoadResult } from './load/loadJob.ts';

const LOAD_JOB = join(import.meta.dirname, 'load', 'loadJob.ts');

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-job-'));
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD_JOB, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const last = out.trim().split('\n').pop() ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`load job ${job.kind} failed (exit ${code}): ${err.slice(-2000)}`);
    return JSON.parse(last) as LoadResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
