/**
 * Live events for runs this process does not drive. A run started from the
 * CLI (`clipo train`) or from another window has its trainer supervised by
 * that other process, so no trainer messages reach this one; its trainer still
 * writes every step, status change and event to the shared store (one SQLite
 * file in WAL mode, so reading while it writes is safe). This watcher polls
 * the store at a bounded interval and emits the same run.status / run.step /
 * run.event payloads the trainer relay emits for owned runs, so every open
 * dashboard and runs list follows every run, whoever started it.
 *
 * Per tick: one read of the runs table's status columns, one read of new
 * event rows (by primary key), and for each foreign run that advanced, its
 * new steps (at most MAX_STEPS_PER_TICK; a dashboard that sees a jump in step
 * numbers reloads the history instead of appending).
 */
import type { Statement } from 'better-sqlite3';
import type { ApiEvents, RunStatus } from '../api/contract/index.js';
import type { Store } from '../store/index.js';

export const WATCH_INTERVAL_MS = 1000;
export const MAX_STEPS_PER_TICK = 200;
const MAX_EVENTS_PER_TICK = 500;

export interface RunWatcherDeps {
  store: Store;
  /** True while this process's supervisor drives the run (its trainer relay already emits). */
  owns: (runId: number) => boolean;
  emit: <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;
  intervalMs?: number;
}

export interface RunWatcher {
  /** One poll now (tests; the timer calls it too). */
  poll(): void;
  stop(): void;
}

interface Seen { status: RunStatus; step: number; total: number }
interface RunRow { id: number; status: RunStatus; current_step: number; total_steps: number; error: string | null }
interface EventRow { id: number; run_id: number; step: number | null; level: 'info' | 'warn' | 'error'; kind: string; message: string }

export function startRunWatcher({ store, owns, emit, intervalMs = WATCH_INTERVAL_MS }: RunWatcherDeps): RunWatcher {
  const runsStmt: Statement = store.db.prepare('SELECT id, status, current_step, total_steps, error FROM runs');
  const eventsStmt: Statement = store.db.prepare(
    `SELECT id, run_id, step, level, kind, message FROM events WHERE id > ? AND run_id IS NOT NULL AND level != 'debug' ORDER BY id LIMIT ${MAX_EVENTS_PER_TICK}`,
  );
  const lastEventStmt: Statement = store.db.prepare('SELECT coalesce(max(id), 0) AS id FROM events');
  const seen = new Map<number, Seen>();
  let lastEventId = (lastEventStmt.get() as { id: number }).id;
  for (const r of runsStmt.all() as RunRow[]) seen.set(r.id, { status: r.status, step: r.current_step, total: r.total_steps });

  function poll(): void {
    const rows = runsStmt.all() as RunRow[];
    const ids = new Set<number>();
    for (const r of rows) {
      ids.add(r.id);
      const before = seen.get(r.id);
      seen.set(r.id, { status: r.status, step: r.current_step, total: r.total_steps });
      if (owns(r.id)) continue;
      const runId = String(r.id);
      // New steps first, then the status: a dashboard sees the last step before "finished".
      const from = before ? before.step : -1;
      if (r.current_step > from) {
        const n = Math.min(r.current_step - from, MAX_STEPS_PER_TICK);
        for (const s of store.metrics.latest(r.id, n)) {
          if (s.step <= from) continue;
          const metrics: Record<string, number> = {};
          for (const [k, v] of Object.entries(s.metrics)) metrics[k] = v ?? NaN;
          emit('run.step', { runId, step: s.step, totalSteps: r.total_steps, time: Math.round(s.wallTime * 1000), metrics });
        }
      }
      if (!before || before.status !== r.status) emit('run.status', { runId, status: r.status, error: r.error });
    }
    for (const id of [...seen.keys()]) if (!ids.has(id)) seen.delete(id);
    for (const e of eventsStmt.all(lastEventId) as EventRow[]) {
      lastEventId = e.id;
      if (!owns(e.run_id)) emit('run.event', { runId: String(e.run_id), level: e.level, kind: e.kind, message: e.message });
    }
  }

  const timer = setInterval(() => {
    try { poll(); } catch (err) { console.error('run watcher: reading the store failed:', err); }
  }, intervalMs);
  timer.unref?.();
  return { poll, stop: () => clearInterval(timer) };
}
