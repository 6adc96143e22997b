/**
 * Runs one run to its end inside a trainer process and turns any failure into
 * a 'failed' run with an actionable message (missing or unsupported model,
 * unusable dataset, invalid recipe, unwritable or full disk), never a crash:
 * steps already written stay, and the store is left consistent.
 */
import type { RunStatus } from '../api/contract/index.js';
import { runTraining, type RunTrainingOptions } from './runTraining.js';

export type ExecuteRunOptions = RunTrainingOptions;

/** The message a user sees for a failure: what went wrong and what to do about it. */
export function describeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const path = e?.path ? ` (${e.path})` : '';
  switch (e?.code) {
    case 'ENOSPC': return `the disk is full${path}: free some space or move the data folder (CLIPO_DATA_DIR), then resume the run`;
    case 'EACCES': case 'EPERM': case 'EROFS':
      return `cannot write the run's files${path}: the folder is read-only or not yours; choose a writable data folder (CLIPO_DATA_DIR), then resume`;
    case 'ENOTDIR': return `the data folder path is not a folder${path}: choose a writable data folder (CLIPO_DATA_DIR)`;
    case 'SQLITE_FULL': case 'DISK_FULL': return `the database disk is full: free some space, then resume the run (${e.message ?? ''})`;
    default: return e?.message ? e.message : String(err);
  }
}

export async function executeRun(o: ExecuteRunOptions): Promise<{ status: RunStatus; error: string | null }> {
  try {
    const outcome = await runTraining(o);
    o.send({ type: 'exit', status: outcome.status, error: outcome.error });
    return outcome;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'LEASE_HELD' || code === 'LEASE_LOST') {
      // Another process owns the run: its status and rows are that process's to write, not ours.
      const error = (err as Error).message;
      let status: RunStatus = 'running';
      try { status = o.store.runs.get(o.runId).status; } catch { /* report it as still running */ }
      o.send({ type: 'exit', status, error });
      return { status, error };
    }
    const error = describeFailure(err);
    try {
      o.store.runs.updateStatus(o.runId, 'failed', { error });
      o.store.events.add(o.runId, { level: 'error', kind: 'failed', message: error });
    } catch { /* the store itself may be what failed; the supervisor still gets the message */ }
    o.send({ type: 'status', status: 'failed', error });
    o.send({ type: 'exit', status: 'failed', error });
    return { status: 'failed', error };
  }
}
