// The dashboard's hot queries must seek an index, never SCAN a big table
// (step_metrics, samples, embeddings, events): these plans are what keeps a
// 10,000-step / 1,000,000-sample run interactive (see bench/store).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { EmbeddingStore } from '../../main/store/EmbeddingStore.js';
import { MetricStore } from '../../main/store/MetricStore.js';
import { SampleStore } from '../../main/store/SampleStore.js';
import { StepStore } from '../../main/store/StepStore.js';
import { Store } from '../../main/store/Store.js';
import { createDb, explain, insertRun, makeStep } from './helpers.js';

const BIG = ['step_metrics', 'samples', 'embeddings', 'events', 'steps'];

/** Asserts that no plan row SCANs a big table and that each expected fragment occurs. */
function expectPlan(plan: string, ...expected: RegExp[]): void {
  // Any SCAN (even "USING COVERING INDEX", a full index walk) is refused,
  // except of the recursive CTEs (`n`, `st`) and constant rows.
  expect(plan, `plan has a SCAN:\n${plan}`).not.toMatch(/SCAN (?!n\b|st\b|CONSTANT ROW)/);
  for (const t of BIG) expect(plan).not.toMatch(new RegExp(`SCAN ${t}\\b`));
  for (const e of expected) expect(plan, `plan:\n${plan}`).toMatch(e);
}

describe('query plans of the dashboard queries', () => {
  let db: Database;
  beforeAll(() => {
    db = createDb();
    const store = new Store(db);
    for (let r = 0; r < 3; r++) {
      const runId = insertRun(db, `r${r}`);
      for (let s = 0; s < 20; s++) store.steps.writeStep(runId, makeStep(s));
    }
    // Statistics, as the app's periodic PRAGMA optimize would leave them.
    db.exec('ANALYZE');
  });

  const P = { run: 1, name: 'reward/mean', lo: 0, hi: 100, step: 3, buckets: 10, limit: 10, offset: 0 };

  const M = MetricStore.SQL;

  it('metric series: primary-key range read in step order', () => {
    const plan = explain(db, M.series, P);
    expectPlan(plan, /SEARCH step_metrics USING PRIMARY KEY \(run_id=\? AND name=\? AND step>\? AND step<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('downsampling: bounds are single seeks, buckets read the same range', () => {
    expectPlan(explain(db, M.bounds, P), /SEARCH step_metrics USING PRIMARY KEY \(run_id=\? AND name=\? AND step>\? AND step<\?\)/);
    expectPlan(explain(db, M.bucketed, P), /SEARCH step_metrics USING PRIMARY KEY \(run_id=\? AND name=\? AND step>\? AND step<\?\)/);
  });

  it('latest N steps: steps primary key, then the covering (run_id, step) metrics index', () => {
    expectPlan(explain(db, M.latestSteps, P), /SEARCH steps USING PRIMARY KEY \(run_id=\?\)/);
    expectPlan(explain(db, M.metricsFrom, P), /SEARCH step_metrics USING COVERING INDEX step_metrics_by_run_id_step \(run_id=\? AND step>\?\)/);
  });

  it('metric names: loose index scan (one seek per name)', () => {
    expectPlan(explain(db, M.names, P), /SEARCH step_metrics USING PRIMARY KEY \(run_id=\? AND name>\?\)/);
  });

  it.each([
    ['no filter', {}],
    ['correct', { correct: true }],
    ['truncated', { truncated: true }],
    ['text', { text: 'boxed' }],
    ['zero-variance groups', { zeroVariance: true }],
    ['non-zero-variance groups + correct + text', { zeroVariance: false, correct: false, text: 'x' }],
  ])('samples of a step (%s): samples_by_run_id_step_... index', (_l, filter) => {
    const plan = explain(db, SampleStore.sql(filter), { ...P, correct: 1, truncated: 1, text: '%x%' });
    expectPlan(plan, /SEARCH samples USING INDEX samples_by_run_id_step_prompt_index_sample_index \(run_id=\? AND step=\?\)/);
    // Ordered by the index itself: no sort step.
    expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });

  it('embeddings of a step: index on (run_id, step, kind), samples by rowid; steps with embeddings by loose scan', () => {
    for (const withRaw of [false, true]) {
      const plan = explain(db, EmbeddingStore.sql(withRaw), { ...P, kind: 'head' });
      expectPlan(plan, /SEARCH e USING INDEX embeddings_by_run_id_step_kind \(run_id=\? AND step=\? AND kind=\?\)/, /SEARCH s USING INTEGER PRIMARY KEY/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
    expectPlan(explain(db, EmbeddingStore.STEPS_SQL, P), /SEARCH embeddings USING COVERING INDEX embeddings_by_run_id_step_kind \(run_id=\? AND step>\?\)/);
  });

  it('truncateAfter deletes: index range per table', () => {
    for (const t of ['steps', 'step_metrics', 'samples', 'embeddings', 'events', 'checkpoints']) {
      const plan = explain(db, `DELETE FROM ${t} WHERE run_id = :run AND step > :step`, P);
      expectPlan(plan, new RegExp(`SEARCH ${t} USING (COVERING )?(INDEX|PRIMARY KEY)`));
    }
  });

  it('answers of a step: the samples index, grouped in index order', () => {
    const plan = explain(db, SampleStore.ANSWERS_SQL, P);
    expectPlan(plan, /SEARCH samples USING INDEX samples_by_run_id_step_prompt_index_sample_index \(run_id=\? AND step=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('search across steps and a prompt\'s steps: the run\'s range of the samples index, in index order; tokens by primary key', () => {
    for (const sql of [SampleStore.SEARCH_SQL, SampleStore.PROMPT_STEPS_SQL]) {
      const plan = explain(db, sql, { run: 1, text: '%x%', prompt: 'p', limit: 10, offset: 0 });
      expectPlan(plan, /SEARCH samples USING INDEX samples_by_run_id_step_prompt_index_sample_index \(run_id=\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
    expectPlan(explain(db, SampleStore.TOKENS_SQL, { run: 1, id: 1 }), /SEARCH samples USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  });

  it('steps with samples: loose index scan over the samples index', () => {
    expectPlan(explain(db, StepStore.SAMPLE_STEPS_SQL, P), /SEARCH samples USING COVERING INDEX samples_by_run_id_step_prompt_index_sample_index \(run_id=\? AND step>\?\)/);
  });

  it('latest events and latest checkpoint', () => {
    expectPlan(explain(db, 'SELECT * FROM events WHERE run_id IS :run AND id < :hi ORDER BY id DESC LIMIT :limit', P), /SEARCH events USING INDEX events_by_run_id/);
    expectPlan(explain(db, 'SELECT * FROM checkpoints WHERE run_id = :run ORDER BY step DESC LIMIT 1', P), /SEARCH checkpoints USING INDEX checkpoints_by_run_id_step/);
  });

  it('best reward recomputation: primary key', () => {
    expectPlan(explain(db, 'SELECT max(value) FROM step_metrics WHERE run_id = :run AND name = :name', P), /SEARCH step_metrics USING PRIMARY KEY \(run_id=\? AND name=\?\)/);
  });
});
