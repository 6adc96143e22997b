// EmbeddingStore: the embedding scatter's read (one run, step and kind), joined
// to the sample's correctness and group so points can be coloured without a
// second round trip.
import type { Database, Statement } from 'better-sqlite3';
import type { Embedding, EmbeddingKind } from './types.js';

export interface EmbeddingPoint extends Embedding {
  promptIndex: number;
  correct: boolean | null;
  reward: number;
}

interface Row {
  id: number; sample_id: number; kind: EmbeddingKind; x: number; y: number; raw?: Buffer | null;
  prompt_index: number; correct: number | null; reward: number;
}

function blobToFloat32(b: Buffer | null | undefined): Float32Array | null {
  if (!b) return null;
  const out = new Float32Array(b.byteLength >> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  return out;
}

export class EmbeddingStore {
  private readonly points: Statement;
  private readonly pointsRaw: Statement;
  private readonly stepsStmt: Statement;

  constructor(db: Database) {
    this.points = db.prepare(EmbeddingStore.sql(false));
    this.pointsRaw = db.prepare(EmbeddingStore.sql(true));
    this.stepsStmt = db.prepare(EmbeddingStore.STEPS_SQL);
  }

  /** The scatter query (exposed for the query-plan tests). Parameters: :run, :step, :kind. */
  static sql(withRaw: boolean): string {
    return `SELECT e.id, e.sample_id, e.kind, e.x, e.y${withRaw ? ', e.raw' : ''}, s.prompt_index, s.correct, s.reward
       FROM embeddings e JOIN samples s ON s.id = e.sample_id
       WHERE e.run_id = :run AND e.step = :step AND e.kind = :kind ORDER BY e.id`;
  }

  /** Steps that have embeddings (the scatter's step slider); loose index scan. */
  static readonly STEPS_SQL = `WITH RECURSIVE st(step) AS (
         SELECT (SELECT min(step) FROM embeddings WHERE run_id = :run)
         UNION ALL
         SELECT (SELECT min(step) FROM embeddings WHERE run_id = :run AND step > st.step) FROM st WHERE st.step IS NOT NULL
       ) SELECT step FROM st WHERE step IS NOT NULL`;

  ofStep(runId: number, step: number, kind: EmbeddingKind, options: { withRaw?: boolean } = {}): EmbeddingPoint[] {
    const stmt = options.withRaw ? this.pointsRaw : this.points;
    return (stmt.all({ run: runId, step, kind }) as Row[]).map((r) => {
      const p: EmbeddingPoint = {
        id: r.id, sampleId: r.sample_id, kind: r.kind, x: r.x, y: r.y, promptIndex: r.prompt_index,
        correct: r.correct === null ? null : r.correct === 1, reward: r.reward,
      };
      if (options.withRaw) p.raw = blobToFloat32(r.raw);
      return p;
    });
  }

  stepsWithEmbeddings(runId: number): number[] {
    return (this.stepsStmt.all({ run: runId }) as { step: number }[]).map((r) => r.step);
  }
}
