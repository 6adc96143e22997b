// AlarmStore: each run's health-alarm history, one row per episode (an alarm
// and the steps it held, 0-based like every step in the store). Episodes are
// upserted by (run, alarm, first step), so recording the same history twice,
// or an episode that grew, leaves one row per episode.
import type { Database, Statement } from 'better-sqlite3';
import { toStoreError } from './StoreError.js';

export interface AlarmRow {
  alarm: string;
  level: 'warn' | 'error';
  title: string;
  fix: string;
  firstStep: number;
  lastStep: number;
}

interface Row { alarm: string; level: 'warn' | 'error'; title: string; fix: string; first_step: number; last_step: number }

export class AlarmStore {
  private readonly upsertStmt: Statement;
  private readonly listStmt: Statement;
  private readonly lastStmt: Statement;

  constructor(private readonly db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO alarms (run_id, alarm, level, title, fix, first_step, last_step) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, alarm, first_step) DO UPDATE SET
         last_step = max(last_step, excluded.last_step), level = excluded.level, title = excluded.title, fix = excluded.fix`,
    );
    this.listStmt = db.prepare('SELECT alarm, level, title, fix, first_step, last_step FROM alarms WHERE run_id = ? ORDER BY first_step, alarm');
    this.lastStmt = db.prepare('SELECT max(last_step) AS s FROM alarms WHERE run_id = ?');
  }

  record(runId: number, episodes: readonly AlarmRow[]): void {
    try {
      this.db.transaction(() => {
        for (const e of episodes) this.upsertStmt.run(runId, e.alarm, e.level, e.title, e.fix, e.firstStep, e.lastStep);
      })();
    } catch (err) {
      throw toStoreError(err, `recording alarms of run ${runId}`);
    }
  }

  list(runId: number): AlarmRow[] {
    return (this.listStmt.all(runId) as Row[]).map((r) => ({
      alarm: r.alarm, level: r.level, title: r.title, fix: r.fix, firstStep: r.first_step, lastStep: r.last_step,
    }));
  }

  /** The last step any recorded episode reaches (null: none recorded). */
  lastStep(runId: number): number | null {
    return (this.lastStmt.get(runId) as { s: number | null }).s;
  }
}
