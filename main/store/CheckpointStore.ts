// CheckpointStore: rows for checkpoint files. The trainer inserts the row only
// after the checkpoint directory has been atomically renamed into place.
import type { Database, Statement } from 'better-sqlite3';
import { toStoreError } from './StoreError.js';
import type { Checkpoint } from './types.js';

interface Row { id: number; run_id: number; step: number; path: string; created_at: number; bytes: number }

const toCheckpoint = (r: Row): Checkpoint => ({
  id: r.id, runId: r.run_id, step: r.step, path: r.path, createdAt: r.created_at, bytes: r.bytes,
});

export class CheckpointStore {
  private readonly insert: Statement;
  private readonly listStmt: Statement;
  private readonly latestStmt: Statement;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO checkpoints (run_id, step, path, created_at, bytes) VALUES (?, ?, ?, ?, ?)');
    this.listStmt = db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step');
    this.latestStmt = db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1');
  }

  add(runId: number, c: { step: number; path: string; bytes: number; createdAt?: number }): number {
    try {
      return Number(this.insert.run(runId, c.step, c.path, c.createdAt ?? Date.now(), c.bytes).lastInsertRowid);
    } catch (err) {
      throw toStoreError(err, `recording checkpoint of run ${runId} at step ${c.step}`);
    }
  }

  list(runId: number): Checkpoint[] {
    return (this.listStmt.all(runId) as Row[]).map(toCheckpoint);
  }

  latest(runId: number): Checkpoint | null {
    const r = this.latestStmt.get(runId) as Row | undefined;
    return r ? toCheckpoint(r) : null;
  }
}
