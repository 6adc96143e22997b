// Run-store benchmark: fills a temporary database with a run of 10,000 steps ×
// 60 metrics and 1,000,000 samples (100 per step, each with an embedding)
// through the real write path (StepStore.writeStep: one transaction per step,
// prepared statements), then times the dashboard's queries against it.
//
// Run: `npm run bench:store` (compiled by `npm run build`), or bundle it alone:
//   npx esbuild bench/store/benchStore.ts --bundle --platform=node --format=cjs \
//     --packages=external --outfile=/tmp/benchStore.cjs && NODE_PATH=$PWD/node_modules node /tmp/benchStore.cjs [steps] [samplesPerStep]
// Times are medians over repetitions at random steps; the "baseline" column is
// a raw point read of one step row in the same database (STYLE: ratios against
// a same-run baseline).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../../main/store/Store.js';
import type { SampleInput, StepInput } from '../../main/store/types.js';

const STEPS = Number(process.argv[2] ?? 10_000);
const PER_STEP = Number(process.argv[3] ?? 100);
const N_METRICS = 60;
const GROUP = 8;

/** Deterministic xorshift so runs are comparable. */
let seed = 0x9e3779b9;
const rand = (): number => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const metricNames = Array.from({ length: N_METRICS }, (_, i) => (i === 0 ? 'reward/mean' : `group${i % 6}/metric${i}`));
const completionText = 'Let me think. First add the apples, then subtract the ones given away. '.repeat(3);
const tokens = Int32Array.from({ length: 60 }, (_, i) => i * 7);

function makeStep(step: number): StepInput {
  const metrics: Record<string, number> = {};
  for (const n of metricNames) metrics[n] = rand();
  const samples: SampleInput[] = [];
  for (let k = 0; k < PER_STEP; k++) {
    const correct = rand() < 0.4;
    samples.push({
      promptIndex: Math.floor(k / GROUP), sampleIndex: k % GROUP, prompt: `Question ${step}.${Math.floor(k / GROUP)}: how many apples?`,
      completion: `${completionText} \\boxed{${Math.floor(rand() * 100)}}`, tokens, reward: correct ? 1 : 0,
      rewardComponents: { answer: correct ? 1 : 0, format: 1 }, advantage: rand() - 0.5, correct, length: 60,
      truncated: rand() < 0.05, contrastiveReward: rand() * 0.1,
    });
  }
  return { step, wallTime: 1.7e9 + step, metrics, samples, embeddings: samples.map((_, k) => ({ sample: k, kind: 'head', x: rand(), y: rand() })) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(label: string, reps: number, f: (i: number) => unknown, baseline?: number): number {
  f(0); // warm the statement and the page cache
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f(i);
    ts.push(performance.now() - t0);
  }
  const m = median(ts);
  console.log(`${label.padEnd(52)} ${m.toFixed(3).padStart(9)} ms${baseline ? `  (${(m / baseline).toFixed(0)}× baseline)` : ''}`);
  return m;
}

const dir = mkdtempSync(join(tmpdir(), 'clipo-bench-'));
const path = join(dir, 'bench.sqlite');
try {
  const store = Store.open(path);
  const runId = store.runs.create({ name: 'bench', recipeJson: '{}', totalSteps: STEPS });
  console.log(`filling ${STEPS} steps × ${N_METRICS} metrics, ${STEPS * PER_STEP} samples + embeddings ...`);
  const t0 = performance.now();
  const writeTimes: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const input = makeStep(s);
    const w0 = performance.now();
    store.steps.writeStep(runId, input);
    writeTimes.push(performance.now() - w0);
    if (s % 1000 === 999) store.checkpointWal();
  }
  const fillS = (performance.now() - t0) / 1000;
  store.db.exec('ANALYZE');
  store.checkpointWal();
  console.log(`fill: ${fillS.toFixed(1)} s; writeStep median ${median(writeTimes).toFixed(2)} ms, ` +
    `p99 ${[...writeTimes].sort((a, b) => a - b)[Math.floor(writeTimes.length * 0.99)]!.toFixed(2)} ms; ` +
    `db ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB`);

  const reader = Store.open(path, { readonly: true });
  const step = (i: number): number => Math.floor(((i * 7919) % STEPS));
  const stepRow = reader.db.prepare('SELECT wall_time FROM steps WHERE run_id = ? AND step = ?');
  for (const sql of [
    "SELECT step, value FROM step_metrics WHERE run_id = 1 AND name = 'reward/mean' AND step BETWEEN 0 AND 99999999 ORDER BY step",
    'SELECT * FROM samples WHERE run_id = 1 AND step = 5 ORDER BY prompt_index, sample_index',
  ]) {
    console.log(`plan: ${(reader.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ')}`);
  }
  const base = time('baseline: one steps row by primary key', 200, (i) => stepRow.get(runId, step(i)));
  time(`metric series, all ${STEPS} points`, 30, (i) => reader.metrics.series(runId, metricNames[i % N_METRICS]!), base);
  time('metric series, downsampled to 500 (min/max envelope)', 30, (i) => reader.metrics.series(runId, metricNames[i % N_METRICS]!, { maxPoints: 500 }), base);
  time('metric series, 6 metrics × 500 points (dashboard grid)', 20, () => reader.metrics.seriesMany(runId, metricNames.slice(0, 6), { maxPoints: 500 }), base);
  time('latest 50 steps, all metrics', 30, () => reader.metrics.latest(runId, 50), base);
  time('metric names of the run', 30, () => reader.metrics.metricNames(runId), base);
  time('samples of a step (100 rows)', 100, (i) => reader.samples.ofStep(runId, step(i)), base);
  time('samples of a step, incorrect only', 100, (i) => reader.samples.ofStep(runId, step(i), { correct: false }), base);
  time('samples of a step, zero-variance groups', 100, (i) => reader.samples.ofStep(runId, step(i), { zeroVariance: true }), base);
  time('samples of a step, text search', 100, (i) => reader.samples.ofStep(runId, step(i), { text: 'boxed{42}' }), base);
  time('samples of a step with tokens', 100, (i) => reader.samples.ofStep(runId, step(i), { withTokens: true }), base);
  time('embeddings of a step (100 points + sample join)', 100, (i) => reader.embeddings.ofStep(runId, step(i), 'head'), base);
  time('run list', 30, () => reader.runs.list(), base);
  time('compare 1 run × 3 metrics × 500 points', 20, () => reader.compareRuns([runId], metricNames.slice(0, 3), { maxPoints: 500 }), base);
  const agg = reader.db.prepare('SELECT count(*), sum(value) FROM step_metrics WHERE run_id = ? AND name = ?');
  time('floor: SQL-only read of one series (count, sum)', 30, (i) => agg.get(runId, metricNames[i % N_METRICS]!), base);
  reader.close();

  // Resume: drop the last 100 steps (10,000 samples) as after a crash past checkpoint STEPS-101.
  store.checkpoints.add(runId, { step: STEPS - 101, path: '/ck', bytes: 1 });
  const r0 = performance.now();
  store.steps.prepareResume(runId);
  console.log(`${'prepareResume: truncate 100 steps (writer)'.padEnd(52)} ${(performance.now() - r0).toFixed(3).padStart(9)} ms`);
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
