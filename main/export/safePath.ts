/**
 * Where export may write: only inside the folder the user chose. File names
 * derived from run names are slugged (no separators, no dot-dot, no control
 * characters), every target is resolved and checked to stay inside the folder,
 * symlinks are never followed out of it, and an existing file is overwritten
 * only with explicit consent. Pure Node (fs/path), no native modules.
 *
 * Folders are created one level at a time (makeDirBounded), never with
 * `mkdir -p`: Node's recursive mkdir loops forever where mkdir(2) answers
 * ENOENT for a parent that exists (e.g. `/proc/nope`: /proc refuses new
 * entries with ENOENT, Node retries the parent, gets EEXIST, retries the
 * child... in C++, so even SIGTERM handlers never run; node 20/22 fs
 * MKDirpSync). Every file-system failure becomes a typed ExportPathError
 * whose message says what to do.
 */
import { existsSync, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export type ExportPathErrorCode = 'invalid_argument' | 'conflict' | 'unavailable';

export class ExportPathError extends Error {
  readonly field = 'outDir';
  constructor(message: string, readonly code: ExportPathErrorCode) {
    super(message);
    this.name = 'ExportPathError';
  }
}

/** A file-name-safe slug of a run name: [A-Za-z0-9._-], no leading dot, at most 64 chars. */
export function slugify(name: string, fallback = 'run'): string {
  const s = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64);
  return s || fallback;
}

/** Turns an fs error about `path` into an actionable ExportPathError (unknown errors pass through). */
export function exportFsError(err: unknown, path: string, doing: string): Error {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const what = `cannot ${doing} ${path}`;
  switch (code) {
    case 'EACCES': case 'EPERM':
      return new ExportPathError(`${what}: permission denied; choose a folder you can write to`, 'unavailable');
    case 'EROFS':
      return new ExportPathError(`${what}: the file system is read-only; choose a folder on a writable disk`, 'unavailable');
    case 'ENOSPC': case 'EDQUOT': case 'EFBIG':
      return new ExportPathError(`${what}: the disk is full (${code}); free some space or choose another disk, then export again`, 'unavailable');
    case 'ENOTDIR': case 'EEXIST':
      return new ExportPathError(`${what}: a file is in the way where a folder is needed; choose a folder, not a file`, 'invalid_argument');
    case 'ENOENT':
      return new ExportPathError(`${what}: the file system does not allow creating it there; choose a folder in your home directory`, 'invalid_argument');
    case 'ENAMETOOLONG': case 'ELOOP': case 'EINVAL':
      return new ExportPathError(`${what}: the path is not usable (${code}); choose a shorter, plain folder path`, 'invalid_argument');
    case 'EISDIR':
      return new ExportPathError(`${what}: a folder is in the way where a file is needed; remove it or choose another folder`, 'conflict');
    case 'EIO': case 'EBUSY': case 'EMFILE': case 'ENFILE':
      return new ExportPathError(`${what}: the system refused (${code}); try again or choose another folder`, 'unavailable');
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}

/** The deepest path depth we walk (PATH_MAX is 4096 bytes, so no real path has more components). */
const MAX_DEPTH = 2048;

/**
 * Creates `dir` and any missing parents, one mkdir(2) per missing component:
 * at most depth(dir) system calls, whatever the file system answers. Returns
 * the folders it created, outermost first (so a failed export can remove them).
 */
export function makeDirBounded(dir: string): string[] {
  const abs = resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (let i = 0; ; i++) {
    if (i > MAX_DEPTH) throw new ExportPathError(`the folder path ${abs} is too deep`, 'invalid_argument');
    let isDir: boolean;
    try {
      isDir = statSync(cur).isDirectory(); // follows symlinks: a symlinked parent folder (macOS /tmp) is fine
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw exportFsError(err, cur, 'use the folder');
      // A dangling symlink reports ENOENT too: never create through it.
      if (isSymlink(cur)) throw new ExportPathError(`${cur} is a symbolic link to nothing; choose a real folder`, 'invalid_argument');
      missing.push(cur);
      const parent = dirname(cur);
      if (parent === cur) throw new ExportPathError(`no part of ${abs} exists`, 'invalid_argument');
      cur = parent;
      continue;
    }
    if (!isDir) throw new ExportPathError(`${cur} is a file, not a folder; choose a folder to export into`, 'invalid_argument');
    break;
  }
  const created: string[] = [];
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m); // not recursive: exactly one system call, and it cannot loop
      created.push(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && isDirNoFollow(m)) continue; // raced with another mkdir
      throw exportFsError(err, m, 'create the folder');
    }
  }
  return created;
}

function isSymlink(p: string): boolean {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}
function isDirNoFollow(p: string): boolean {
  try { return lstatSync(p).isDirectory(); } catch { return false; }
}

/** Resolves `rel` inside `outDir`; throws if it would land outside (absolute, `..`, or through a symlink). */
export function resolveInside(outDir: string, rel: string): string {
  if (!rel || isAbsolute(rel) || rel.split(/[\\/]/).some((p) => p === '..' || p === ''))
    throw new ExportPathError(`refusing to write "${rel}": export files must stay inside ${outDir}`, 'invalid_argument');
  const root = resolve(outDir);
  const target = resolve(root, rel);
  const r = relative(root, target);
  if (r === '' || r.startsWith('..') || isAbsolute(r)) throw new ExportPathError(`refusing to write "${rel}" outside ${root}`, 'invalid_argument');
  // Any existing path component that is a symlink could lead outside: refuse it.
  let cur = root;
  for (const part of r.split(sep)) {
    cur = join(cur, part);
    if (isSymlink(cur))
      throw new ExportPathError(`refusing to write through the symbolic link ${cur}; remove it or choose another folder`, 'invalid_argument');
  }
  return target;
}

export interface ExportPlan {
  root: string;
  targets: string[];
  /** Folders this export created (outermost first); removed again if the export fails. */
  createdDirs: string[];
}

/**
 * Creates `outDir` (must be absolute) and checks every planned file. Without
 * `overwrite`, any file that already exists makes the whole export refuse before
 * anything is written. Returns the absolute targets in the same order.
 */
export function planExport(outDir: string, files: string[], overwrite: boolean): ExportPlan {
  if (!outDir || !isAbsolute(outDir)) throw new ExportPathError(`choose an absolute output folder (got "${outDir}")`, 'invalid_argument');
  const createdDirs = makeDirBounded(outDir);
  let root: string;
  try { root = realpathSync(outDir); } catch (err) { throw exportFsError(err, outDir, 'use the folder'); }
  const targets = files.map((f) => resolveInside(root, f));
  const existing = targets.filter((t) => existsSync(t) || isSymlink(t));
  if (existing.length > 0 && !overwrite)
    throw new ExportPathError(`${existing.length} file(s) already exist (${existing.slice(0, 3).map((t) => relative(root, t)).join(', ')}${existing.length > 3 ? ', …' : ''}); choose another folder or allow overwriting`, 'conflict');
  return { root, targets, createdDirs };
}
