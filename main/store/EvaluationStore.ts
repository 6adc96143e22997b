// EvaluationStore: pass@k and other evaluation results, for a run checkpoint
// or for a base model alone (runId null).
import type { Database, Statement } from 'better-sqlite3';
import { toStoreError } from './StoreError.js';

export interface EvaluationInput {
  runId?: number | null;
  checkpointStep?: number | null;
  model: string;
  dataset: string;
  split: string;
  metric: string;
  k?: number | null;
  value: number;
  n: number;
  createdAt?: number;
}

export interface Evaluation extends Required<Omit<EvaluationInput, 'createdAt'>> {
  id: number;
  createdAt: number;
}

interface Row {
  id: number; run_id: number | null; checkpoint_step: number | null; model: string; dataset: string; split: string;
  metric: string; k: number | null; value: number; n: number; created_at: number;
}

const toEvaluation = (r: Row): Evaluation => ({
  id: r.id, runId: r.run_id, checkpointStep: r.checkpoint_step, model: r.model, dataset: r.dataset, split: r.split,
  metric: r.metric, k: r.k, value: r.value, n: r.n, createdAt: r.created_at,
});

export class EvaluationStore {
  private readonly insert: Statement;
  private readonly ofRunStmt: Statement;
  private readonly ofModelStmt: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO evaluations (run_id, checkpoint_step, model, dataset, split, metric, k, value, n, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.ofRunStmt = db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY checkpoint_step, id');
    this.ofModelStmt = db.prepare('SELECT * FROM evaluations WHERE model = ? AND dataset = ? ORDER BY id');
  }

  add(e: EvaluationInput): number {
    try {
      return Number(this.insert.run(
        e.runId ?? null, e.checkpointStep ?? null, e.model, e.dataset, e.split, e.metric, e.k ?? null, e.value, e.n,
        e.createdAt ?? Date.now(),
      ).lastInsertRowid);
    } catch (err) {
      throw toStoreError(err, `recording evaluation ${e.metric} of ${e.model} on ${e.dataset}`);
    }
  }

  ofRun(runId: number): Evaluation[] {
    return (this.ofRunStmt.all(runId) as Row[]).map(toEvaluation);
  }

  ofModel(model: string, dataset: string): Evaluation[] {
    return (this.ofModelStmt.all(model, dataset) as Row[]).map(toEvaluation);
  }
}
