// The trainer's write path: a step is all-or-nothing, a duplicate is refused,
// and truncateAfter / prepareResume rewind a run to its last checkpoint.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { Store } from '../../main/store/Store.js';
import { StoreError } from '../../main/store/StoreError.js';
import { createDb, insertRun, makeStep } from './helpers.js';

const count = (db: Database, table: string, runId: number): number =>
  (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;

const CHILD_TABLES = ['steps', 'step_metrics', 'samples', 'embeddings', 'events'];

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
  }
  return undefined;
}

describe('StepStore.writeStep', () => {
  let db: Database;
  let store: Store;
  let runId: number;
  beforeEach(() => {
    db = createDb();
    store = new Store(db);
    runId = insertRun(db);
  });

  it('writes metrics, samples, embeddings and events and round-trips them', () => {
    store.steps.writeStep(runId, makeStep(0, 2, 4, { events: [{ level: 'warn', kind: 'health', message: 'entropy low' }] }));
    expect(count(db, 'steps', runId)).toBe(1);
    expect(count(db, 'step_metrics', runId)).toBe(2);
    expect(count(db, 'samples', runId)).toBe(8);
    expect(count(db, 'embeddings', runId)).toBe(8);
    const samples = store.samples.ofStep(runId, 0, { withTokens: true });
    expect(samples[5]).toMatchObject({ promptIndex: 1, sampleIndex: 1, correct: false, truncated: false, rewardComponents: { answer: 0 } });
    expect(Array.from(samples[5]!.tokens!)).toEqual([1, 2, 3, 1, 1]);
    const points = store.embeddings.ofStep(runId, 0, 'head');
    expect(points.map((p) => p.sampleId)).toEqual(samples.map((s) => s.id));
    expect(store.events.latest(runId)[0]).toMatchObject({ step: 0, level: 'warn', kind: 'health' });
    expect(store.runs.get(runId)).toMatchObject({ currentStep: 0, bestReward: 0 });
  });

  it('metrics.latest with names returns exactly those metrics of the newest steps (gaps stay gaps)', () => {
    for (let s = 0; s < 6; s++) {
      store.steps.writeStep(runId, makeStep(s, 1, 2, { metrics: { a: s, b: s * 10, ...(s % 2 ? {} : { c: -s }) } }));
    }
    const all = store.metrics.latest(runId, 3);
    const some = store.metrics.latest(runId, 3, ['c', 'a', 'missing']);
    expect(some.map((r) => r.step)).toEqual([3, 4, 5]);
    expect(some).toEqual(all.map((r) => ({ ...r, metrics: Object.fromEntries(Object.entries(r.metrics).filter(([k]) => k === 'a' || k === 'c')) })));
    expect(some.map((r) => r.metrics)).toEqual([{ a: 3 }, { a: 4, c: -4 }, { a: 5 }]);
  });

  it('refuses a duplicate step and leaves the first one untouched', () => {
    store.steps.writeStep(runId, makeStep(3));
    const again = makeStep(3, 5, 5);
    expect(codeOf(() => store.steps.writeStep(runId, again))).toBe('DUPLICATE_STEP');
    expect(count(db, 'samples', runId)).toBe(8);
    expect(count(db, 'step_metrics', runId)).toBe(2);
  });

  it.each([
    ['a bad embedding reference (after samples were inserted)', (s: ReturnType<typeof makeStep>) => s.embeddings!.push({ sample: 99, kind: 'head', x: 0, y: 0 }), 'INVALID_ARGUMENT'],
    ['a CHECK violation in the last embedding', (s: ReturnType<typeof makeStep>) => { (s.embeddings![7] as { kind: string }).kind = 'bogus'; }, 'INVALID_ARGUMENT'],
    ['a duplicate sample index in the step', (s: ReturnType<typeof makeStep>) => s.samples!.push({ ...s.samples![0]! }), 'INVALID_ARGUMENT'],
  ])('leaves nothing behind on failure mid-step: %s', (_label, corrupt, code) => {
    store.steps.writeStep(runId, makeStep(0));
    const bad = makeStep(1);
    corrupt(bad);
    expect(codeOf(() => store.steps.writeStep(runId, bad))).toBe(code);
    for (const t of CHILD_TABLES) {
      expect((db.prepare(`SELECT count(*) AS n FROM ${t} WHERE run_id = ? AND step = 1`).get(runId) as { n: number }).n, t).toBe(0);
    }
    expect(store.runs.get(runId).currentStep).toBe(0);
    // and the step can then be written correctly
    store.steps.writeStep(runId, makeStep(1));
    expect(store.runs.get(runId).currentStep).toBe(1);
  });

  it('refuses an unknown run and a bad step number', () => {
    expect(codeOf(() => store.steps.writeStep(runId + 1, makeStep(0)))).toBe('NOT_FOUND');
    expect(codeOf(() => store.steps.writeStep(runId, makeStep(-1)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.steps.writeStep(runId, { step: 1.5, metrics: {} }))).toBe('INVALID_ARGUMENT');
  });

  it('stores non-finite metric values as null (a gap), not as garbage', () => {
    store.steps.writeStep(runId, { step: 0, metrics: { 'loss/total': Number.NaN, 'x/y': Infinity } });
    expect(store.metrics.series(runId, 'loss/total')[0]!.value).toBeNull();
  });

  it('tracks best reward as the running max of reward/mean', () => {
    for (const [step, r] of [[0, 0.2], [1, 0.7], [2, 0.4]] as const) {
      store.steps.writeStep(runId, { step, metrics: { 'reward/mean': r } });
    }
    expect(store.runs.get(runId).bestReward).toBe(0.7);
  });
});

describe('StepStore.truncateAfter / prepareResume', () => {
  it('deletes everything after the step, keeps the rest, and resets current step and best reward', () => {
    const db = createDb();
    const store = new Store(db);
    const runId = insertRun(db);
    const other = insertRun(db, 'other');
    for (let s = 0; s < 10; s++) {
      store.steps.writeStep(runId, makeStep(s, 2, 4, { events: [{ level: 'info', kind: 'step', message: `step ${s}` }] }));
      store.steps.writeStep(other, makeStep(s));
    }
    store.checkpoints.add(runId, { step: 4, path: '/ck/4', bytes: 1 });
    store.checkpoints.add(runId, { step: 8, path: '/ck/8', bytes: 1 });
    store.events.add(runId, { level: 'info', kind: 'started', message: 'no step' });
    store.steps.truncateAfter(runId, 4);
    for (const t of CHILD_TABLES) {
      const max = (db.prepare(`SELECT max(step) AS m FROM ${t} WHERE run_id = ?`).get(runId) as { m: number }).m;
      expect(max, t).toBe(4);
    }
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([4]);
    expect(store.runs.get(runId)).toMatchObject({ currentStep: 4, bestReward: 0.04 });
    // Events without a step (run-level) survive a truncation.
    expect(store.events.latest(runId).some((e) => e.kind === 'started')).toBe(true);
    // The other run is untouched.
    expect(count(db, 'samples', other)).toBe(80);
    // Re-running step 5 is now allowed.
    store.steps.writeStep(runId, makeStep(5));
  });

  it('prepareResume rewinds to the latest checkpoint, or empties the run without one', () => {
    const db = createDb();
    const store = new Store(db);
    const runId = insertRun(db);
    for (let s = 0; s < 7; s++) store.steps.writeStep(runId, makeStep(s));
    expect(store.steps.prepareResume(runId)).toBe(-1);
    expect(count(db, 'samples', runId)).toBe(0);
    expect(store.runs.get(runId)).toMatchObject({ currentStep: -1, bestReward: null });
    for (let s = 0; s < 7; s++) store.steps.writeStep(runId, makeStep(s));
    store.checkpoints.add(runId, { step: 5, path: '/ck/5', bytes: 10 });
    expect(store.steps.prepareResume(runId)).toBe(5);
    expect(store.runs.get(runId).currentStep).toBe(5);
    expect(() => store.steps.writeStep(runId, makeStep(6))).not.toThrow();
  });

  it('deleting a run cascades to all of its rows', () => {
    const db = createDb();
    const store = new Store(db);
    const runId = insertRun(db);
    store.steps.writeStep(runId, makeStep(0));
    store.checkpoints.add(runId, { step: 0, path: '/ck/0', bytes: 1 });
    store.evaluations.add({ runId, checkpointStep: 0, model: 'm', dataset: 'd', split: 'test', metric: 'pass@k', k: 1, value: 0.5, n: 10 });
    store.runs.delete(runId);
    for (const t of [...CHILD_TABLES, 'checkpoints', 'evaluations']) expect(count(db, t, runId), t).toBe(0);
  });
});
