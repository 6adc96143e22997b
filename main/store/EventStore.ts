// EventStore: the run log and health alarms. Events written as part of a step
// go through StepStore.writeStep (same transaction); this is for the rest
// (run started, paused, crashed; app-level events with runId null).
import type { Database, Statement } from 'better-sqlite3';
import { toStoreError } from './StoreError.js';
import type { EventInput, EventLevel, RunEvent } from './types.js';

interface Row { id: number; run_id: number | null; step: number | null; time: number; level: EventLevel; kind: string; message: string }

const toEvent = (r: Row): RunEvent => ({
  id: r.id, runId: r.run_id, step: r.step, time: r.time, level: r.level, kind: r.kind, message: r.message,
});

export class EventStore {
  private readonly insert: Statement;
  private readonly latestStmt: Statement;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO events (run_id, step, time, level, kind, message) VALUES (?, ?, ?, ?, ?, ?)');
    this.latestStmt = db.prepare(
      'SELECT * FROM events WHERE run_id IS ? AND id < ? ORDER BY id DESC LIMIT ?',
    );
  }

  add(runId: number | null, e: EventInput): number {
    try {
      return Number(this.insert.run(runId, e.step ?? null, e.time ?? Date.now(), e.level, e.kind, e.message).lastInsertRowid);
    } catch (err) {
      throw toStoreError(err, `logging event for run ${runId}`);
    }
  }

  /** Newest first; page with `beforeId` (the smallest id of the previous page). */
  latest(runId: number | null, limit = 200, beforeId = Number.MAX_SAFE_INTEGER): RunEvent[] {
    return (this.latestStmt.all(runId, beforeId, limit) as Row[]).map(toEvent);
  }
}
