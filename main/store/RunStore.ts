// RunStore: the runs table (create, status transitions, run list).
// Status changes come from the trainer (its own run) and from the supervisor
// (marking a dead trainer's run crashed); both are writers of `runs` only.
import type { Database, Statement } from 'better-sqlite3';
import { leaseState, type LeaseProbe } from './leaseState.js';
import { RunLeaseStore, describeLease } from './RunLeaseStore.js';
import { StoreError, toStoreError } from './StoreError.js';
import type { NewRun, Run, RunStatus, RunSummary } from './types.js';

interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  recipe_json: string;
  model_id: number | null;
  dataset_id: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  total_steps: number;
  current_step: number;
  best_reward: number | null;
  pid: number | null;
  notes: string;
  tags_json: string;
}

const RUN_COLUMNS = `id, name, status, recipe_json, model_id, dataset_id, created_at, started_at, ended_at,
  error, total_steps, current_step, best_reward, pid, notes, tags_json`;

function parseTags(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch { return []; }
}

function toRun(r: RunRow): Run {
  return {
    id: r.id, name: r.name, status: r.status, recipeJson: r.recipe_json, modelId: r.model_id,
    datasetId: r.dataset_id, createdAt: r.created_at, startedAt: r.started_at, endedAt: r.ended_at,
    error: r.error, totalSteps: r.total_steps, currentStep: r.current_step, bestReward: r.best_reward, pid: r.pid,
    notes: r.notes, tags: parseTags(r.tags_json),
  };
}

export class RunStore {
  private readonly insert: Statement;
  private readonly byId: Statement;
  private readonly listStmt: Statement;
  private readonly byStatus: Statement;
  private readonly setStatus: Statement;
  private readonly remove: Statement;
  private readonly setMeta: Statement;
  private readonly bumpCounter: Statement;
  private readonly leases: RunLeaseStore;

  constructor(private readonly db: Database) {
    // Ids are never reused (migration 0100): above every id ever handed out, and above
    // `minId` (the caller's highest existing run folder, so a recreated database does
    // not give a new run an old run's folder).
    this.insert = db.prepare(
      `INSERT INTO runs (id, name, status, recipe_json, model_id, dataset_id, created_at, total_steps)
       VALUES (max(coalesce((SELECT value FROM store_counters WHERE name = 'run_id'), 0),
                   coalesce((SELECT max(id) FROM runs), 0), :minId - 1) + 1,
               :name, :status, :recipe, :model, :dataset, :created, :total)`,
    );
    this.bumpCounter = db.prepare(
      `INSERT INTO store_counters (name, value) VALUES ('run_id', :id)
       ON CONFLICT (name) DO UPDATE SET value = max(value, :id)`,
    );
    this.leases = new RunLeaseStore(db);
    this.byId = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`);
    this.byStatus = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = ? ORDER BY id`);
    // started_at is set the first time a run enters 'running' (not on resume);
    // ended_at is set on a terminal status and cleared when the run runs again.
    this.setStatus = db.prepare(
      `UPDATE runs SET status = :status,
         started_at = CASE WHEN :status = 'running' THEN coalesce(started_at, :now) ELSE started_at END,
         ended_at = CASE WHEN :status IN ('finished', 'stopped', 'crashed', 'failed') THEN :now
                         WHEN :status = 'running' THEN NULL ELSE ended_at END,
         error = CASE WHEN :status IN ('crashed', 'failed') THEN :error WHEN :status = 'running' THEN NULL ELSE error END,
         pid = CASE WHEN :status = 'running' THEN :pid ELSE NULL END
       WHERE id = :id`,
    );
    this.remove = db.prepare('DELETE FROM runs WHERE id = ?');
    this.setMeta = db.prepare(
      `UPDATE runs SET name = coalesce(:name, name), notes = coalesce(:notes, notes), tags_json = coalesce(:tags, tags_json) WHERE id = :id`,
    );
  }

  /** Rename, notes, tags (the run page); fields left undefined keep their value. Any process may write these. */
  updateMeta(id: number, meta: { name?: string; notes?: string; tags?: string[] }): void {
    try {
      const r = this.setMeta.run({ id, name: meta.name ?? null, notes: meta.notes ?? null, tags: meta.tags ? JSON.stringify(meta.tags) : null });
      if (r.changes === 0) throw new StoreError('NOT_FOUND', `run ${id} does not exist`);
    } catch (err) {
      throw toStoreError(err, `updating run ${id}`);
    }
  }

  create(run: NewRun): number {
    try {
      return this.db.transaction(() => {
        const r = this.insert.run({
          name: run.name, status: run.status ?? 'queued', recipe: run.recipeJson, model: run.modelId ?? null,
          dataset: run.datasetId ?? null, created: run.createdAt ?? Date.now(), total: run.totalSteps, minId: Math.max(1, Math.floor(run.minId ?? 1)),
        });
        const id = Number(r.lastInsertRowid);
        this.bumpCounter.run({ id });
        return id;
      })();
    } catch (err) {
      throw toStoreError(err, `creating run "${run.name}"`);
    }
  }

  get(id: number): Run {
    const row = this.byId.get(id) as RunRow | undefined;
    if (!row) throw new StoreError('NOT_FOUND', `run ${id} does not exist`);
    return toRun(row);
  }

  /** Newest first, with duration (to `now` for a run still going). */
  list(options: { limit?: number; offset?: number; now?: number } = {}): RunSummary[] {
    const now = options.now ?? Date.now();
    const rows = this.listStmt.all(options.limit ?? 1000, options.offset ?? 0) as RunRow[];
    return rows.map((r) => {
      const run = toRun(r);
      const end = run.endedAt ?? (run.status === 'running' ? now : null);
      return { ...run, durationMs: run.startedAt !== null && end !== null ? Math.max(0, end - run.startedAt) : null };
    });
  }

  withStatus(status: RunStatus): Run[] {
    return (this.byStatus.all(status) as RunRow[]).map(toRun);
  }

  updateStatus(id: number, status: RunStatus, extra: { error?: string | null; pid?: number | null; now?: number } = {}): void {
    try {
      const r = this.setStatus.run({ id, status, now: extra.now ?? Date.now(), error: extra.error ?? null, pid: extra.pid ?? null });
      if (r.changes === 0) throw new StoreError('NOT_FOUND', `run ${id} does not exist`);
    } catch (err) {
      throw toStoreError(err, `setting run ${id} to ${status}`);
    }
  }

  /**
   * Supervisor at startup: runs still marked 'running' or 'paused' whose trainer
   * is gone become 'crashed' (resumable), with the reason. The run's lease decides
   * (a dead pid on this host, or a stale heartbeat: leaseState); a run with no
   * lease (a build before leases) falls back to its pid. Orphans' leases are dropped.
   */
  markOrphansCrashed(isAlive: (pid: number) => boolean, now = Date.now(), probe: LeaseProbe = {}): number[] {
    const p: LeaseProbe = { ...probe, isAlive, now };
    const orphans: { id: number; why: string }[] = [];
    for (const r of [...this.withStatus('running'), ...this.withStatus('paused')]) {
      const lease = this.leases.get(r.id);
      if (lease) {
        const state = leaseState(lease, p);
        if (state === 'live') continue;
        orphans.push({ id: r.id, why: state === 'dead'
          ? `trainer process ${lease.pid} exited unexpectedly (found dead when the app started)`
          : `trainer ${describeLease(lease, now)} stopped responding` });
      } else if (r.pid === null || !isAlive(r.pid)) {
        orphans.push({ id: r.id, why: 'trainer process exited unexpectedly' });
      }
    }
    this.db.transaction(() => {
      for (const o of orphans) {
        this.updateStatus(o.id, 'crashed', { error: `${o.why}; resume continues from the last checkpoint`, now });
        this.leases.clear(o.id);
      }
    })();
    return orphans.map((o) => o.id);
  }

  /**
   * Deletes a run and (by cascade) all its steps, samples, embeddings, checkpoints rows, events, evaluations.
   * Refused (LEASE_HELD) while a live trainer in any process owns the run.
   */
  delete(id: number, probe: LeaseProbe = {}): void {
    try {
      this.db.transaction(() => {
        this.leases.assertFree(id, 'delete', probe);
        this.remove.run(id);
      }).immediate();
    } catch (err) {
      throw toStoreError(err, `deleting run ${id}`);
    }
  }
}
