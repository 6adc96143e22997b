// StepStore: the trainer's write path. A training step (its metrics, samples,
// embeddings and events) is written in ONE transaction, keyed by the unique
// (run_id, step) row in `steps`, so after a crash a step is either entirely in
// the database or not at all, and writing it twice is refused rather than
// duplicated. truncateAfter is the other half of resume: it drops everything
// newer than the checkpoint the trainer restarts from.
import type { Database, Statement } from 'better-sqlite3';
import { StoreError, toStoreError } from './StoreError.js';
import type { StepInput } from './types.js';

/** The metric whose running maximum is kept in runs.best_reward. */
export const BEST_REWARD_METRIC = 'reward/mean';

/** Int32Array -> BLOB without copying (little-endian on every platform we ship). */
function int32Blob(a: Int32Array | null | undefined): Buffer | null {
  return a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : null;
}

function float32Blob(a: Float32Array | null | undefined): Buffer | null {
  return a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : null;
}

function nullableBool(b: boolean | null | undefined): number | null {
  return b === null || b === undefined ? null : b ? 1 : 0;
}

export class StepStore {
  private readonly insertStep: Statement;
  private readonly insertMetric: Statement;
  private readonly insertSample: Statement;
  private readonly insertEmbedding: Statement;
  private readonly insertEvent: Statement;
  private readonly updateRun: Statement;
  private readonly deletes: Statement[];
  private readonly lastStep: Statement;
  private readonly bestReward: Statement;
  private readonly resetRun: Statement;
  private readonly latestCheckpoint: Statement;
  private readonly sampleSteps: Statement;
  private readonly leaseBeat: Statement;

  constructor(private readonly db: Database) {
    this.insertStep = db.prepare('INSERT INTO steps (run_id, step, wall_time) VALUES (?, ?, ?)');
    this.insertMetric = db.prepare('INSERT INTO step_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)');
    this.insertSample = db.prepare(
      `INSERT INTO samples (run_id, step, prompt_index, sample_index, prompt, answer, completion, tokens, reward,
         reward_components_json, advantage, correct, length, truncated, contrastive_reward, sampler_logp, trainer_logp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertEmbedding = db.prepare(
      'INSERT INTO embeddings (run_id, step, sample_id, kind, x, y, raw) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertEvent = db.prepare(
      'INSERT INTO events (run_id, step, time, level, kind, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.updateRun = db.prepare(
      `UPDATE runs SET current_step = max(current_step, :step),
         best_reward = CASE WHEN :reward IS NULL THEN best_reward
                            WHEN best_reward IS NULL OR :reward > best_reward THEN :reward
                            ELSE best_reward END
       WHERE id = :runId`,
    );
    this.deletes = ['steps', 'step_metrics', 'samples', 'embeddings', 'events', 'checkpoints'].map((t) =>
      db.prepare(`DELETE FROM ${t} WHERE run_id = ? AND step > ?`),
    );
    this.lastStep = db.prepare('SELECT max(step) AS s FROM steps WHERE run_id = ?');
    this.bestReward = db.prepare('SELECT max(value) AS v FROM step_metrics WHERE run_id = ? AND name = ?');
    this.resetRun = db.prepare('UPDATE runs SET current_step = ?, best_reward = ? WHERE id = ?');
    this.latestCheckpoint = db.prepare('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1');
    this.sampleSteps = db.prepare(StepStore.SAMPLE_STEPS_SQL);
    this.leaseBeat = db.prepare('UPDATE run_leases SET heartbeat_at = ? WHERE run_id = ? AND token = ?');
  }

  /** Steps of a run that have samples, ascending: a loose index scan, one seek per step (not per sample). */
  static readonly SAMPLE_STEPS_SQL = `WITH RECURSIVE st(step) AS (
      SELECT (SELECT min(step) FROM samples WHERE run_id = :run)
      UNION ALL
      SELECT (SELECT min(step) FROM samples WHERE run_id = :run AND step > st.step) FROM st WHERE st.step IS NOT NULL
    ) SELECT step FROM st WHERE step IS NOT NULL`;

  /** The rollout inspector's step list. */
  stepsWithSamples(runId: number): number[] {
    return (this.sampleSteps.all({ run: runId }) as { step: number }[]).map((r) => r.step);
  }

  /**
   * Writes one training step atomically. Throws StoreError DUPLICATE_STEP if
   * (runId, step) exists, NOT_FOUND if the run does not, DISK_FULL etc. on I/O
   * failure; in every failure case nothing of the step is left behind.
   * With `owner.leaseToken` (the trainer) the step is written only while this
   * process still owns the run (LEASE_LOST otherwise), and the lease's heartbeat
   * is refreshed in the same transaction.
   */
  writeStep(runId: number, input: StepInput, owner: { leaseToken?: string } = {}): void {
    const { step } = input;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new StoreError('INVALID_ARGUMENT', `step must be a non-negative integer, got ${step}`);
    }
    const samples = input.samples ?? [];
    const embeddings = input.embeddings ?? [];
    try {
      this.db.transaction(() => {
        if (owner.leaseToken !== undefined && this.leaseBeat.run(Date.now(), runId, owner.leaseToken).changes === 0) {
          throw new StoreError('LEASE_LOST', `run ${runId} was taken over by another process; step ${step} was not written`);
        }
        const changed = this.updateRun.run({ runId, step, reward: input.metrics[BEST_REWARD_METRIC] ?? null });
        if (changed.changes === 0) throw new StoreError('NOT_FOUND', `run ${runId} does not exist`);
        try {
          this.insertStep.run(runId, step, input.wallTime ?? Date.now() / 1000);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw new StoreError(
              'DUPLICATE_STEP',
              `run ${runId} already has step ${step}; on resume call truncateAfter(runId, checkpointStep) before re-running steps`,
            );
          }
          throw err;
        }
        for (const [name, value] of Object.entries(input.metrics)) {
          // NaN/Infinity are not storable as REAL meaningfully; keep them as NULL (gap in the chart).
          this.insertMetric.run(runId, name, step, value !== null && Number.isFinite(value) ? value : null);
        }
        const sampleIds: number[] = [];
        for (const s of samples) {
          const r = this.insertSample.run(
            runId, step, s.promptIndex, s.sampleIndex, s.prompt, s.answer ?? null, s.completion, int32Blob(s.tokens), s.reward,
            JSON.stringify(s.rewardComponents ?? {}), s.advantage ?? null, nullableBool(s.correct), s.length,
            s.truncated ? 1 : 0, s.contrastiveReward ?? null, float32Blob(s.samplerLogp), float32Blob(s.trainerLogp),
          );
          sampleIds.push(Number(r.lastInsertRowid));
        }
        for (const e of embeddings) {
          const sampleId = sampleIds[e.sample];
          if (sampleId === undefined) {
            throw new StoreError('INVALID_ARGUMENT', `embedding refers to sample ${e.sample} but the step has ${samples.length} samples`);
          }
          this.insertEmbedding.run(runId, step, sampleId, e.kind, e.x, e.y, float32Blob(e.raw));
        }
        for (const ev of input.events ?? []) {
          this.insertEvent.run(runId, ev.step ?? step, ev.time ?? Date.now(), ev.level, ev.kind, ev.message);
        }
      })();
    } catch (err) {
      throw toStoreError(err, `writing step ${step} of run ${runId}`);
    }
  }

  /**
   * Deletes steps, metrics, samples, embeddings, events and checkpoints with
   * step > `step` (one transaction) and resets the run's current step and best
   * reward to what remains. `step` = -1 empties the run.
   */
  truncateAfter(runId: number, step: number): void {
    try {
      this.db.transaction(() => {
        for (const del of this.deletes) del.run(runId, step);
        const last = (this.lastStep.get(runId) as { s: number | null }).s;
        const best = (this.bestReward.get(runId, BEST_REWARD_METRIC) as { v: number | null }).v;
        this.resetRun.run(last ?? -1, best, runId);
      })();
    } catch (err) {
      throw toStoreError(err, `truncating run ${runId} after step ${step}`);
    }
  }

  /**
   * Resume after a crash: truncates the run to its latest checkpoint and
   * returns that checkpoint's step (-1 if none: restart from scratch). The
   * trainer loads the checkpoint and continues with step + 1.
   */
  prepareResume(runId: number): number {
    try {
      return this.db.transaction(() => {
        const row = this.latestCheckpoint.get(runId) as { step: number } | undefined;
        const step = row?.step ?? -1;
        this.truncateAfter(runId, step);
        return step;
      })();
    } catch (err) {
      throw toStoreError(err, `preparing resume of run ${runId}`);
    }
  }
}
