/**
 * Creates a directory and proves it is writable before a run spends minutes
 * training, so a read-only, full or missing data folder fails at once with a
 * clear reason. mkdir on a read-only mount can report ENOENT instead of EROFS,
 * so the probe file's error is the one that counts.
 */
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    // Tell EROFS / EACCES apart from a genuinely missing parent.
    try { accessSync(dir, constants.W_OK); } catch (e2) { if ((e2 as NodeJS.ErrnoException).code !== 'ENOENT') throw e2; }
    const parent = join(dir, '..');
    try { accessSync(parent, constants.W_OK); } catch (e3) { if ((e3 as NodeJS.ErrnoException).code !== 'ENOENT') throw e3; }
    throw err;
  }
  const probe = join(dir, `.write-probe-${process.pid}`);
  writeFileSync(probe, 'ok');
  rmSync(probe, { force: true });
}
