/**
 * A checkpoint is a directory written atomically: files go into
 * `step-N.tmp-<pid>`, are fsynced, then the directory is renamed to `step-N`.
 * Only after the rename does the caller add the checkpoint row, so a row
 * always points at a complete directory, and a crash mid-write leaves only a
 * temp directory that the next write or resume removes.
 *
 * Contents: engine.state (adapter + AdamW moments + step, written by the
 * engine), trainer.json (RNG state, data cursor, CLIPO head, bookkeeping).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CHECKPOINT_FORMAT = 1;

export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, 'checkpoints', `step-${step}`);
}

export function writeFileSynced(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data);
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * Creates the temp directory, lets `fill` write into it, then renames it into
 * place. Returns the final path and its size in bytes.
 */
export async function writeCheckpointDir(runDir: string, step: number, fill: (tmpDir: string) => Promise<void>): Promise<{ path: string; bytes: number }> {
  const finalDir = checkpointDir(runDir, step);
  const parent = join(runDir, 'checkpoints');
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  const tmp = `${finalDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    await fill(tmp);
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const bytes = readdirSync(finalDir).reduce((n, f) => n + statSync(join(finalDir, f)).size, 0);
  return { path: finalDir, bytes };
}

export function removeStaleTemps(parent: string): void {
  let names: string[] = [];
  try { names = readdirSync(parent); } catch { return; }
  for (const n of names) if (n.includes('.tmp-')) rmSync(join(parent, n), { recursive: true, force: true });
}

export function writeJsonSynced(path: string, value: unknown): void {
  writeFileSynced(path, JSON.stringify({ format: CHECKPOINT_FORMAT, ...(value as object) }));
}

export function readJson<T>(path: string): T {
  const v = JSON.parse(readFileSync(path, 'utf8')) as { format?: number };
  if (v.format !== CHECKPOINT_FORMAT) {
    throw Object.assign(new Error(`checkpoint ${path} has format ${v.format}, this build reads format ${CHECKPOINT_FORMAT}`), { code: 'unsupported' });
  }
  return v as T;
}

/**
 * Files of a run folder that nothing points at after a kill: per-step sampler
 * adapters (`adapters/step-N.gguf`, rewritten every step; a kill between writing
 * one and deleting the previous leaves both, a kill mid-write leaves a `.tmp`),
 * checkpoint temp directories, and checkpoint directories whose row was never
 * written (killed between the rename and the insert) or was truncated away.
 * `keep` lists the checkpoint paths the store still references. Returns the
 * removed paths, relative to the run folder.
 */
export function removeStrayRunFiles(runDir: string, keep: readonly string[]): string[] {
  const removed: string[] = [];
  const kept = new Set(keep.map((p) => resolve(p)));
  const list = (dir: string): string[] => { try { return readdirSync(dir); } catch { return []; } };
  for (const n of list(join(runDir, 'adapters'))) {
    rmSync(join(runDir, 'adapters', n), { recursive: true, force: true });
    removed.push(`adapters/${n}`);
  }
  const parent = join(runDir, 'checkpoints');
  for (const n of list(parent)) {
    if (n.includes('.tmp-') || (/^step-\d+$/.test(n) && !kept.has(resolve(parent, n)))) {
      rmSync(join(parent, n), { recursive: true, force: true });
      removed.push(`checkpoints/${n}`);
    }
  }
  return removed;
}
