/**
 * How export puts a file on disk: write a temporary file next to the target,
 * fsync, rename over the target. The temporary name is random and created with
 * O_CREAT|O_EXCL ('wx'), which fails on any existing path, a planted symlink
 * included (open(2): "If O_CREAT and O_EXCL are set, ... symbolic links are not
 * followed"), so nothing is ever written through a link to outside the folder.
 * rename(2) replaces a link at the target itself rather than following it. On
 * any failure (a full disk: ENOSPC) the temporary file is removed, so a retry
 * finds the folder as it was.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exportFsError } from './safePath.js';

/** A fresh, unpredictable temporary name in the same folder as `target` (rename stays on one file system). */
export function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target).slice(0, 100)}.${randomBytes(12).toString('hex')}.tmp`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempNameFor(target);
  let fd: number;
  try { fd = openSync(tmp, 'wx', 0o644); } catch (err) { throw exportFsError(err, target, 'write'); }
  try {
    // writeSync may write less than asked on a nearly full disk: loop until the kernel says ENOSPC.
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (err) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw exportFsError(err, target, 'write');
  }
}
