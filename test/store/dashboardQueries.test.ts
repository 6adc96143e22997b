// Results (not plans) of the dashboard queries: series and downsampling with
// its min/max envelope, latest steps, sample filters, embeddings, run list,
// compare, events, and the library tables.
import { beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../main/store/Store.js';
import { StoreError } from '../../main/store/StoreError.js';
import { createDb, insertRun, makeStep } from './helpers.js';

describe('dashboard queries', () => {
  let store: Store;
  let runId: number;
  beforeEach(() => {
    store = new Store(createDb());
    runId = insertRun(store.db);
  });

  it('metric series in step order, full and over a step range', () => {
    for (let s = 0; s < 30; s++) store.steps.writeStep(runId, { step: s, metrics: { 'loss/total': 100 - s } });
    const full = store.metrics.series(runId, 'loss/total');
    expect(full.map((p) => p.step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(full[3]).toEqual({ step: 3, value: 97, min: 97, max: 97, count: 1 });
    expect(store.metrics.series(runId, 'loss/total', { fromStep: 10, toStep: 12 }).map((p) => p.value)).toEqual([90, 89, 88]);
    expect(store.metrics.series(runId, 'nope')).toEqual([]);
  });

  it('downsampling keeps at most maxPoints and preserves spikes in the envelope', () => {
    const n = 1000;
    for (let s = 0; s < n; s++) store.steps.writeStep(runId, { step: s, metrics: { m: s === 537 ? 1000 : s === 212 ? -1000 : 1 } });
    const pts = store.metrics.series(runId, 'm', { maxPoints: 50 });
    expect(pts.length).toBeLessThanOrEqual(50);
    expect(pts.length).toBeGreaterThan(40);
    expect(pts.reduce((a, p) => a + p.count, 0)).toBe(n);
    expect(Math.max(...pts.map((p) => p.max!))).toBe(1000);
    expect(Math.min(...pts.map((p) => p.min!))).toBe(-1000);
    // Steps are ascending and each point's step is the first step of its bucket.
    for (let i = 1; i < pts.length; i++) expect(pts[i]!.step).toBeGreaterThan(pts[i - 1]!.step);
    // Fewer points than maxPoints: returned raw.
    expect(store.metrics.series(runId, 'm', { maxPoints: 5000 }).length).toBe(n);
  });

  it('latest N steps with all metrics, newest last; metric names', () => {
    for (let s = 0; s < 10; s++) store.steps.writeStep(runId, makeStep(s));
    const latest = store.metrics.latest(runId, 3);
    expect(latest.map((s) => s.step)).toEqual([7, 8, 9]);
    expect(latest[2]!.metrics).toEqual({ 'reward/mean': 0.09, 'policy/clipFrac': 0.1 });
    expect(latest[2]!.wallTime).toBe(1_700_000_009);
    expect(store.metrics.metricNames(runId)).toEqual(['policy/clipFrac', 'reward/mean']);
  });

  it('samples of a step with filters', () => {
    store.steps.writeStep(runId, makeStep(0, 3, 4));
    const all = store.samples.ofStep(runId, 0);
    expect(all).toHaveLength(12);
    expect(store.samples.ofStep(runId, 0, { correct: true }).every((s) => s.correct)).toBe(true);
    expect(store.samples.ofStep(runId, 0, { correct: true })).toHaveLength(4);
    expect(store.samples.ofStep(runId, 0, { truncated: true }).map((s) => s.sampleIndex)).toEqual([3, 3, 3]);
    // group 0 is all-wrong: zero variance
    expect(new Set(store.samples.ofStep(runId, 0, { zeroVariance: true }).map((s) => s.promptIndex))).toEqual(new Set([0]));
    expect(new Set(store.samples.ofStep(runId, 0, { zeroVariance: false }).map((s) => s.promptIndex))).toEqual(new Set([1, 2]));
    expect(store.samples.ofStep(runId, 0, { text: 'BOXED{3}' }).map((s) => s.completion)).toEqual(['The answer is \\boxed{3}', 'The answer is \\boxed{3}', 'The answer is \\boxed{3}']);
    // LIKE wildcards in the search text are literal
    expect(store.samples.ofStep(runId, 0, { text: '%' })).toHaveLength(0);
    expect(store.samples.ofStep(runId, 0, { limit: 5, offset: 10 })).toHaveLength(2);
    expect(store.samples.ofStep(runId, 0, { promptIndex: 2 })).toHaveLength(4);
    expect(store.samples.ofStep(runId, 1)).toEqual([]);
    expect(all[5]!.answer).toBe('1');
    expect([...store.samples.answersOfStep(runId, 0)]).toEqual([[0, '0'], [1, '1'], [2, '2']]);
  });

  it('embeddings of a step, coloured by the sample they belong to', () => {
    const step = makeStep(0, 2, 2);
    step.embeddings!.push({ sample: 1, kind: 'pooled', x: 5, y: 6, raw: Float32Array.from([0.5, -1.5]) });
    store.steps.writeStep(runId, step);
    store.steps.writeStep(runId, makeStep(4, 1, 1));
    expect(store.embeddings.ofStep(runId, 0, 'head')).toHaveLength(4);
    const pooled = store.embeddings.ofStep(runId, 0, 'pooled', { withRaw: true });
    expect(pooled).toHaveLength(1);
    expect(pooled[0]).toMatchObject({ x: 5, y: 6, promptIndex: 0, correct: false });
    expect(Array.from(pooled[0]!.raw!)).toEqual([0.5, -1.5]);
    expect(store.embeddings.stepsWithEmbeddings(runId)).toEqual([0, 4]);
    expect(store.steps.stepsWithSamples(runId)).toEqual([0, 4]);
  });

  it('run list: newest first, with best reward and duration', () => {
    const a = store.runs.create({ name: 'a', recipeJson: '{"lr":1}', totalSteps: 5, createdAt: 1000 });
    const b = store.runs.create({ name: 'b', recipeJson: '{}', totalSteps: 5, createdAt: 2000 });
    store.runs.updateStatus(a, 'running', { pid: 42, now: 10_000 });
    store.steps.writeStep(a, { step: 0, metrics: { 'reward/mean': 0.25 } });
    store.runs.updateStatus(a, 'finished', { now: 70_000 });
    store.runs.updateStatus(b, 'running', { pid: 43, now: 50_000 });
    const list = store.runs.list({ now: 60_000 });
    expect(list.map((r) => r.name).filter((n) => n !== 'run')).toEqual(['b', 'a']);
    expect(list.find((r) => r.id === a)).toMatchObject({ status: 'finished', bestReward: 0.25, durationMs: 60_000, pid: null, recipeJson: '{"lr":1}' });
    expect(list.find((r) => r.id === b)).toMatchObject({ status: 'running', durationMs: 10_000, pid: 43 });
    expect(() => store.runs.get(999)).toThrow(StoreError);
    store.runs.updateStatus(b, 'stopped', { now: 65_000 });
    expect(store.runs.get(b)).toMatchObject({ status: 'stopped', endedAt: 65_000, pid: null });
  });

  it('marks orphaned running runs crashed (supervisor startup)', () => {
    const a = store.runs.create({ name: 'a', recipeJson: '{}', totalSteps: 5 });
    const b = store.runs.create({ name: 'b', recipeJson: '{}', totalSteps: 5 });
    store.runs.updateStatus(a, 'running', { pid: 1 });
    store.runs.updateStatus(b, 'running', { pid: 2 });
    expect(store.runs.markOrphansCrashed((pid) => pid === 2)).toEqual([a]);
    expect(store.runs.get(a)).toMatchObject({ status: 'crashed', error: expect.stringMatching(/^trainer process exited unexpectedly; resume continues/) });
    expect(store.runs.get(b).status).toBe('running');
  });

  it('compare runs: same metrics for each run', () => {
    const other = insertRun(store.db, 'other');
    for (let s = 0; s < 5; s++) {
      store.steps.writeStep(runId, { step: s, metrics: { 'reward/mean': s } });
      store.steps.writeStep(other, { step: s, metrics: { 'reward/mean': 2 * s } });
    }
    const c = store.compareRuns([runId, other], ['reward/mean'], { maxPoints: 100 });
    expect(c.runs.map((r) => r.id).sort()).toEqual([runId, other].sort());
    expect(c.series[other]!['reward/mean']!.map((p) => p.value)).toEqual([0, 2, 4, 6, 8]);
  });

  it('events page newest first; app-level events have no run', () => {
    for (let i = 0; i < 5; i++) store.events.add(runId, { level: 'info', kind: 'k', message: `m${i}` });
    store.events.add(null, { level: 'error', kind: 'app', message: 'gpu lost' });
    const page1 = store.events.latest(runId, 2);
    expect(page1.map((e) => e.message)).toEqual(['m4', 'm3']);
    expect(store.events.latest(runId, 2, page1[1]!.id).map((e) => e.message)).toEqual(['m2', 'm1']);
    expect(store.events.latest(null).map((e) => e.message)).toEqual(['gpu lost']);
  });

  it('library: models, datasets, versioned recipes, evaluations', () => {
    const lib = store.library;
    const m = lib.addModel({ path: '/m/q.gguf', name: 'Qwen2.5-0.5B', arch: 'qwen2', sizeBytes: 400, fingerprint: 'abc', quant: 'Q8_0' });
    expect(lib.modelByPath('/m/q.gguf')).toMatchObject({ id: m, quant: 'Q8_0', nParams: null });
    expect(() => lib.addModel({ path: '/m/q.gguf', name: 'x', arch: 'x', sizeBytes: 1, fingerprint: 'x' })).toThrow(StoreError);
    lib.addDataset({ name: 'gsm8k', kind: 'jsonl', path: '/d/g.jsonl', fieldMapping: { question: 'q', answer: 'reward_model.ground_truth' }, rowCounts: { train: 10 }, malformedCount: 2 });
    expect(lib.datasetByName('gsm8k')).toMatchObject({ fieldMapping: { answer: 'reward_model.ground_truth' }, malformedCount: 2 });
    expect(lib.saveRecipe('demo', '{"a":1}').version).toBe(1);
    expect(lib.saveRecipe('demo', '{"a":2}').version).toBe(2);
    expect(lib.recipe('demo').json).toBe('{"a":2}');
    expect(lib.recipe('demo', 1).json).toBe('{"a":1}');
    expect(lib.recipes()).toHaveLength(1);
    store.evaluations.add({ model: 'Qwen2.5-0.5B', dataset: 'gsm8k', split: 'test', metric: 'pass@k', k: 1, value: 0.3, n: 100 });
    expect(store.evaluations.ofModel('Qwen2.5-0.5B', 'gsm8k')[0]).toMatchObject({ runId: null, k: 1, value: 0.3 });
  });
});
