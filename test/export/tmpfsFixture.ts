/**
 * A tiny tmpfs for full-disk and read-only tests. Needs root (CAP_SYS_ADMIN);
 * returns why it could not mount, so the caller skips with that reason instead
 * of passing silently.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export function mountTmpfs(dir: string, size: string, readOnly = false): string | null {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? null : `mount failed: ${(r.stderr || r.error?.message || '').trim()}`;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { timeout: 10_000 });
}
