/**
 * The package as npm publishes it: `npm pack` (whose prepack builds dist/) into a
 * temporary folder, and the tarball unpacked beside it, so a test reads exactly the files
 * a host installs. test/package/tarball.test.ts judges what is in it;
 * test/package/exampleHost.test.ts installs it into an app.
 *
 * Packing rebuilds dist/ in this checkout (scripts/build.mjs deletes it first), so two test
 * files packing at once (node --test runs files in parallel on a machine with more cores)
 * would each ship the other's half-built dist/. A lock folder under test-artifacts/ lets one
 * pack at a time; a lock left by a process that died is taken over.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');
const LOCK = join(ROOT, 'test-artifacts', 'packing.lock');

export interface PackedPackage {
  /** The temporary folder holding the tarball and its unpacked copy; the caller removes it. */
  work: string;
  tarball: string;
  /** The unpacked tarball: the folder a host's node_modules/mfa-bridge would be. */
  unpacked: string;
  /** Every file in the tarball, relative to its package root, with `/` separators, sorted. */
  files: string[];
  /** The tarball's size, compressed, in bytes. */
  packedBytes: number;
  /** The files' sizes added up, in bytes. */
  unpackedBytes: number;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withPackingLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number | null = null;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // The holder has made the folder and not yet written its pid: wait for it.
      }
      if (holder !== null && !processIsAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} has been held for 10 minutes (pid ${holder}): remove it if no test is packing`);
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Packs the package (building dist/ through its prepack script) and unpacks the tarball. */
export async function packPackage(): Promise<PackedPackage> {
  const work = mkdtempSync(join(tmpdir(), 'mfa-pack-'));
  await withPackingLock(() => run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }));
  const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  // npm puts every file under package/ in the tarball.
  await run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
  const files = readdirSync(unpacked, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(unpacked, path)).isFile())
    .map((path) => relative(unpacked, join(unpacked, path)).split('\\').join('/'))
    .sort();
  const unpackedBytes = files.reduce((sum, path) => sum + statSync(join(unpacked, path)).size, 0);
  return { work, tarball, unpacked, files, packedBytes: statSync(tarball).size, unpackedBytes };
}
