/**
 * Where export may write: only inside the folder the user chose. File names
 * derived from run names are slugged (no separators, no dot-dot, no control
 * characters), every target is resolved and checked to stay inside the folder,
 * symlinks are never followed out of it, and an existing file is overwritten
 * only with explicit consent. Pure Node (fs/path), no native modules.
 */
import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export class ExportPathError extends Error {
  constructor(message: string, readonly code: 'invalid_argument' | 'conflict') {
    super(message);
    this.name = 'ExportPathError';
  }
}

/** A file-name-safe slug of a run name: [A-Za-z0-9._-], no leading dot, at most 64 chars. */
export function slugify(name: string, fallback = 'run'): string {
  const s = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64);
  return s || fallback;
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
    if (existsSync(cur) && lstatSync(cur).isSymbolicLink())
      throw new ExportPathError(`refusing to write through the symbolic link ${cur}`, 'invalid_argument');
  }
  return target;
}

/**
 * Creates `outDir` (must be absolute) and checks every planned file. Without
 * `overwrite`, any file that already exists makes the whole export refuse before
 * anything is written. Returns the absolute targets in the same order.
 */
export function planExport(outDir: string, files: string[], overwrite: boolean): { root: string; targets: string[] } {
  if (!outDir || !isAbsolute(outDir)) throw new ExportPathError(`choose an absolute output folder (got "${outDir}")`, 'invalid_argument');
  mkdirSync(outDir, { recursive: true });
  const root = realpathSync(outDir);
  const targets = files.map((f) => resolveInside(root, f));
  const existing = targets.filter((t) => existsSync(t));
  if (existing.length > 0 && !overwrite)
    throw new ExportPathError(`${existing.length} file(s) already exist (${existing.slice(0, 3).map((t) => relative(root, t)).join(', ')}${existing.length > 3 ? ', …' : ''}); choose another folder or allow overwriting (--force)`, 'conflict');
  return { root, targets };
}
