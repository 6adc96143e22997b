// SampleStore: the rollout inspector's reads. Every query is bounded to one
// (run, step) through samples_by_run_id_step_prompt_index_sample_index, so
// filters (correctness, truncation, zero-variance groups, text search) only
// ever look at one step's B×G rows, whatever the size of the run.
import type { Database, Statement } from 'better-sqlite3';
import type { Sample } from './types.js';

export interface SampleFilter {
  correct?: boolean;
  truncated?: boolean;
  /** true: only groups whose rewards are all equal (no learning signal); false: only the others. */
  zeroVariance?: boolean;
  /** Case-insensitive substring of prompt or completion (ASCII case folding, SQLite LIKE). */
  text?: string;
  promptIndex?: number;
  limit?: number;
  offset?: number;
  /** Decode the token blob (off by default: the list view does not need it). */
  withTokens?: boolean;
}

interface SampleRow {
  id: number; run_id: number; step: number; prompt_index: number; sample_index: number; prompt: string;
  answer: string | null; completion: string; tokens?: Buffer | null; reward: number; reward_components_json: string;
  advantage: number | null; correct: number | null; length: number; truncated: number; contrastive_reward: number | null;
}

const COLUMNS = `id, run_id, step, prompt_index, sample_index, prompt, answer, completion, reward, reward_components_json,
  advantage, correct, length, truncated, contrastive_reward`;

/** Copies into a fresh aligned buffer: a Buffer from SQLite may not be 4-byte aligned. */
function blobToInt32(b: Buffer | null | undefined): Int32Array | null {
  if (!b) return null;
  const out = new Int32Array(b.byteLength >> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  return out;
}

function blobToFloat32(b: Buffer | null | undefined): Float32Array | null {
  if (!b) return null;
  const out = new Float32Array(b.byteLength >> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  return out;
}

function toSample(r: SampleRow, withTokens: boolean): Sample {
  const s: Sample = {
    id: r.id, runId: r.run_id, step: r.step, promptIndex: r.prompt_index, sampleIndex: r.sample_index,
    prompt: r.prompt, answer: r.answer, completion: r.completion, reward: r.reward,
    rewardComponents: JSON.parse(r.reward_components_json) as Record<string, number>,
    advantage: r.advantage, correct: r.correct === null ? null : r.correct === 1, length: r.length,
    truncated: r.truncated === 1, contrastiveReward: r.contrastive_reward,
  };
  if (withTokens) s.tokens = blobToInt32(r.tokens);
  return s;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class SampleStore {
  // Statements are built from a fixed set of fragments, so the cache stays small (at most 2^6 shapes).
  private readonly cache = new Map<string, Statement>();
  private readonly countStmt: Statement;
  private readonly runCount: Statement;
  private readonly answers: Statement;

  constructor(private readonly db: Database) {
    this.countStmt = db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ? AND step = ?');
    this.runCount = db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ?');
    this.answers = db.prepare(SampleStore.ANSWERS_SQL).raw(true);
  }

  /** One reference answer per group of a step (exposed for the query-plan tests). */
  static readonly ANSWERS_SQL =
    'SELECT prompt_index, max(answer) FROM samples WHERE run_id = :run AND step = :step GROUP BY prompt_index';

  /** Reference answer by group (promptIndex) for one step; groups without one are absent. */
  answersOfStep(runId: number, step: number): Map<number, string> {
    const out = new Map<number, string>();
    for (const [g, a] of this.answers.all({ run: runId, step }) as [number, string | null][]) if (a !== null) out.set(g, a);
    return out;
  }

  /** The SQL for a filter (static so the query-plan tests EXPLAIN exactly what runs). */
  static sql(f: SampleFilter): string {
    const where = ['run_id = :run', 'step = :step'];
    if (f.correct !== undefined) where.push('correct = :correct');
    if (f.truncated !== undefined) where.push('truncated = :truncated');
    if (f.promptIndex !== undefined) where.push('prompt_index = :promptIndex');
    if (f.text !== undefined && f.text !== '') where.push("(completion LIKE :text ESCAPE '\\' OR prompt LIKE :text ESCAPE '\\')");
    if (f.zeroVariance !== undefined) {
      where.push(
        `prompt_index ${f.zeroVariance ? '' : 'NOT '}IN (SELECT prompt_index FROM samples WHERE run_id = :run AND step = :step
           GROUP BY prompt_index HAVING min(reward) = max(reward))`,
      );
    }
    const cols = f.withTokens ? `${COLUMNS}, tokens` : COLUMNS;
    return `SELECT ${cols} FROM samples WHERE ${where.join(' AND ')} ORDER BY prompt_index, sample_index LIMIT :limit OFFSET :offset`;
  }

  /** Samples of one step, filtered, in (group, index) order. */
  ofStep(runId: number, step: number, filter: SampleFilter = {}): Sample[] {
    const sql = SampleStore.sql(filter);
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    const params: Record<string, unknown> = { run: runId, step, limit: filter.limit ?? -1, offset: filter.offset ?? 0 };
    if (filter.correct !== undefined) params.correct = filter.correct ? 1 : 0;
    if (filter.truncated !== undefined) params.truncated = filter.truncated ? 1 : 0;
    if (filter.promptIndex !== undefined) params.promptIndex = filter.promptIndex;
    if (filter.text !== undefined && filter.text !== '') params.text = `%${escapeLike(filter.text)}%`;
    return (stmt.all(params) as SampleRow[]).map((r) => toSample(r, filter.withTokens ?? false));
  }

  /** Search across every step of a run (exposed for the query-plan tests): the run's index range, in step order, bounded by :limit. */
  static readonly SEARCH_SQL = `SELECT ${COLUMNS} FROM samples WHERE run_id = :run
      AND (completion LIKE :text ESCAPE '\\' OR prompt LIKE :text ESCAPE '\\')
      ORDER BY step, prompt_index, sample_index LIMIT :limit OFFSET :offset`;
  /** Steps at which a prompt was drawn (side-by-side view); the run's index range, bounded by :limit. */
  static readonly PROMPT_STEPS_SQL = 'SELECT DISTINCT step FROM samples WHERE run_id = :run AND prompt = :prompt ORDER BY step LIMIT :limit';
  /** One sample's tokens and per-token log-probs (primary key). */
  static readonly TOKENS_SQL = 'SELECT id, step, length, tokens, sampler_logp, trainer_logp FROM samples WHERE id = :id AND run_id = :run';

  /**
   * Completions of any step whose prompt or completion contains `text` (case-insensitive, ASCII
   * folding), oldest step first. `limit` bounds the answer; a caller pages with `offset`.
   */
  search(runId: number, text: string, page: { limit: number; offset?: number }): Sample[] {
    const stmt = this.stmt(SampleStore.SEARCH_SQL);
    return (stmt.all({ run: runId, text: `%${escapeLike(text)}%`, limit: page.limit, offset: page.offset ?? 0 }) as SampleRow[]).map((r) => toSample(r, false));
  }

  stepsOfPrompt(runId: number, prompt: string, limit = 10_000): number[] {
    return (this.stmt(SampleStore.PROMPT_STEPS_SQL).all({ run: runId, prompt, limit }) as { step: number }[]).map((r) => r.step);
  }

  /** Token ids with the sampler's and the trainer's log-prob of each (null where not stored: runs from before migration 0130). */
  tokensOf(runId: number, sampleId: number): { step: number; tokens: Int32Array | null; samplerLogp: Float32Array | null; trainerLogp: Float32Array | null } | null {
    const r = this.stmt(SampleStore.TOKENS_SQL).get({ run: runId, id: sampleId }) as
      { step: number; tokens: Buffer | null; sampler_logp: Buffer | null; trainer_logp: Buffer | null } | undefined;
    if (!r) return null;
    return { step: r.step, tokens: blobToInt32(r.tokens), samplerLogp: blobToFloat32(r.sampler_logp), trainerLogp: blobToFloat32(r.trainer_logp) };
  }

  private stmt(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) { st = this.db.prepare(sql); this.cache.set(sql, st); }
    return st;
  }

  countOfStep(runId: number, step: number): number {
    return (this.countStmt.get(runId, step) as { n: number }).n;
  }

  /** Total samples of a run (reads the index; used by run details, not on a hot path). */
  countOfRun(runId: number): number {
    return (this.runCount.get(runId) as { n: number }).n;
  }
}
