/**
 * `clipo experiment` end to end on a tiny grid (2 arms × 2 seeds, 2 steps, the
 * generated tiny model on tiny-demo): the runs are ordinary finished runs in
 * the store, the report has a table per split with every arm and its interval,
 * every number in results.json and report.md is recomputed here from the
 * store's evaluation rows and step metrics, the figures are well-formed SVG
 * with one line per arm, and a rerun skips the finished runs and evaluations.
 * The base model (before RL) is evaluated once, on the first arm's first-seed
 * run at checkpoint 'base', and reported first with each arm's Δ vs base;
 * eval.base false leaves it out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResults } from '../../main/experiment/collectResults.js';
import { parseExperimentSpec } from '../../main/experiment/experimentSpec.js';
import { studentTQuantile } from '../../main/experiment/stats.js';
import { reportMarkdown } from '../../main/experiment/writeReport.js';
import { Store } from '../../main/store/index.js';

const BIN = resolve('bin/clipo.js');
const dir = mkdtempSync(join(tmpdir(), 'experiment-'));
const dataDir = join(dir, 'data'), out = join(dir, 'out');
const clipo = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: dataDir }, timeout: 300_000 });
const ARMS = ['GRPO', 'GRPO+CLIPO'];
const SEEDS = [1, 2];
const spec = {
  name: 'tiny grid', base: 'demo', model: 'tiny-demo', task: 'tiny-demo',
  arms: [
    { label: 'GRPO', recipe: { algorithm: { objective: 'grpo' } } },
    { label: 'GRPO+CLIPO', recipe: { algorithm: { objective: 'grpo', clipo: { enabled: true, outputSize: 16 } } } },
  ],
  seeds: SEEDS, steps: 2,
  eval: { splits: ['test'], limit: 4, samples: 3, k: 2, temperature: 0.6 },
  figures: { scatterSteps: [1, 2] },
};
const specPath = join(dir, 'spec.json');
writeFileSync(specPath, JSON.stringify(spec));
const f3 = (v: number) => v.toFixed(3);

/** Well-formed XML: every tag closed in order, attributes quoted, one root `<svg>`. */
function checkXml(text: string): void {
  const stack: string[] = [];
  let roots = 0;
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else if (!self) { if (stack.length === 0) roots++; stack.push(name!); }
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  // every '<' starts a tag the pattern accepted (no malformed tag skipped silently)
  expect(text.match(/</g)!.length).toBe([...text.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)].length);
  expect(text.trimStart().startsWith('<svg')).toBe(true);
}

describe('clipo experiment', () => {
  it('refuses an unknown key in the spec, naming it, before training anything', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...spec, seed: 3, eval: { ...spec.eval, k: 9 } }));
    const r = clipo('experiment', bad, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/seed: unknown key "seed"/);
    expect(r.stderr).toMatch(/eval\.k: k must be at most samples/);
    expect(existsSync(join(dataDir, 'experiments'))).toBe(false); // nothing started
  });

  it('trains the grid, reports numbers recomputed from the store, and a rerun skips what is done', { timeout: 600_000 }, () => {
    expect(existsSync(resolve('dist/main/cli/clipo.js')), 'run `npm run build` first').toBe(true);
    const r = clipo('experiment', specPath, '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      runs: { arm: string; seed: number; runId: number; name: string; status: string; finalCheckpoint: number }[];
      splits: { split: string; metrics: {
        key: string; arms: { arm: string; values: Record<string, number>; mean: number; half: number }[]; diffs: { arm: string; mean: number; half: number }[];
        base: { arm: string; runId: number; seed: number; values: Record<string, number>; mean: number; n: number; half: number | null } | null;
        diffsVsBase: { arm: string; baseline: string; mean: number; half: number; seeds: number[] }[];
      }[] }[];
      curves: Record<string, Record<string, { step: number; mean: number; min: number; max: number }[]>>;
    };
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    const store = Store.open(join(dataDir, 'clipo.db'), { readonly: true });
    try {
      // Ordinary runs in the store, named by experiment, arm and seed, each finished with a final checkpoint.
      const runs = store.runs.list();
      expect(runs).toHaveLength(4);
      for (const arm of ARMS) for (const seed of SEEDS) {
        const run = runs.find((x) => x.name === `tiny grid · ${arm} · seed ${seed}`);
        expect(run?.status).toBe('finished');
        expect(res.runs.find((x) => x.arm === arm && x.seed === seed)?.runId).toBe(run!.id);
        expect(store.checkpoints.list(run!.id).at(-1)?.step).toBe(1);
      }
      // One table per split with every arm, mean ± CI and Δ columns.
      expect(res.splits.map((s) => s.split)).toEqual(['test']);
      expect(report).toMatch(/### in-distribution \(test\)/);
      expect(report).toMatch(/\| arm \| seeds \| pass@1 \(greedy\): mean ± 95 % CI \| Δ vs GRPO \[95 % CI\] \| Δ vs base \[95 % CI\] \| pass@2 \(n=3, T=0.6\): mean ± 95 % CI \| Δ vs GRPO \[95 % CI\] \| Δ vs base \[95 % CI\] \|/);
      // The base model is evaluated once, on the first arm's first-seed run (checkpoint 'base' = checkpoint_step NULL), and on no other run.
      const baseRunId = res.runs.find((x) => x.arm === ARMS[0] && x.seed === SEEDS[0])!.runId;
      for (const x of res.runs) expect(store.evaluations.ofRun(x.runId).filter((e) => e.checkpointStep === null).length, `base rows of run ${x.runId}`).toBe(x.runId === baseRunId ? 4 : 0); // greedy: pass@1-greedy; sampled: pass@1, avg@k, pass@k
      const baseRows = store.evaluations.ofRun(baseRunId).filter((e) => e.checkpointStep === null);
      expect(r.stderr).toMatch(/eval \[1\/10\] base\/seed 1 \(run \d+ before RL\) tiny-demo:test greedy: pass@1/);
      const baseCells: string[] = [];
      const t = studentTQuantile(0.975, SEEDS.length - 1);
      for (const s of res.splits) {
        for (const m of s.metrics) {
          const [metric, k] = m.key === 'pass@1' ? ['pass@1-greedy', 1] : ['pass@k', 2];
          const bySeed = new Map<string, Map<number, number>>();
          for (const arm of ARMS) {
            const vals = SEEDS.map((seed) => {
              const run = res.runs.find((x) => x.arm === arm && x.seed === seed)!;
              const rows = store.evaluations.ofRun(run.runId).filter((e) => e.checkpointStep === 1 && e.split === s.split && e.metric === metric && e.k === k);
              expect(rows, `${arm} seed ${seed} ${metric}`).toHaveLength(1);
              expect(rows[0]!.n).toBe(4);
              return rows[0]!.value;
            });
            bySeed.set(arm, new Map(SEEDS.map((seed, i) => [seed, vals[i]!])));
            const mean = (vals[0]! + vals[1]!) / 2, sd = Math.abs(vals[0]! - vals[1]!) / Math.SQRT2, half = (t * sd) / Math.SQRT2;
            const a = m.arms.find((x) => x.arm === arm)!;
            expect(a.values).toEqual({ 1: vals[0], 2: vals[1] });
            expect(a.mean).toBeCloseTo(mean, 12);
            expect(a.half).toBeCloseTo(half, 12);
            expect(report).toContain(`| ${arm} | 2 | `);
            expect(report).toContain(`${f3(mean)} ± ${f3(half)}`);
          }
          // Base: the store's checkpoint-'base' row, paired with every seed; Δ vs base = arm − base per seed.
          const baseRow = baseRows.filter((e) => e.split === s.split && e.metric === metric && e.k === k);
          expect(baseRow, `base ${metric}`).toHaveLength(1);
          expect(baseRow[0]!.n).toBe(4);
          const bv = baseRow[0]!.value;
          expect(m.base).toMatchObject({ arm: 'base', runId: baseRunId, seed: SEEDS[0], n: 1, half: null, values: { 1: bv, 2: bv } });
          expect(m.base!.mean).toBe(bv);
          baseCells.push(f3(bv), '–', '(reference)');
          for (const arm of ARMS) {
            const db = m.diffsVsBase.find((x) => x.arm === arm)!;
            const ds = SEEDS.map((seed) => bySeed.get(arm)!.get(seed)! - bv);
            expect(db.baseline).toBe('base');
            expect(db.seeds).toEqual(SEEDS);
            expect(db.mean).toBeCloseTo((ds[0]! + ds[1]!) / 2, 12);
            expect(db.half).toBeCloseTo((t * Math.abs(ds[0]! - ds[1]!)) / 2, 12);
            expect(report).toContain(`${f3(db.mean)} [${f3(db.mean - db.half)}, ${f3(db.mean + db.half)}]`);
          }
          const d = m.diffs.find((x) => x.arm === 'GRPO+CLIPO')!;
          const diffs = SEEDS.map((seed) => bySeed.get('GRPO+CLIPO')!.get(seed)! - bySeed.get('GRPO')!.get(seed)!);
          expect(d.mean).toBeCloseTo((diffs[0]! + diffs[1]!) / 2, 12);
          expect(d.half).toBeCloseTo((t * Math.abs(diffs[0]! - diffs[1]!)) / 2, 12);
        }
      }
      // The base row comes first in the table, before every arm.
      const baseLine = `| *base model (before RL)* | one evaluation, every seed | ${baseCells.join(' | ')} |`;
      expect(report).toContain(baseLine);
      expect(report.indexOf(baseLine)).toBeLessThan(report.indexOf(`| ${ARMS[0]} | 2 | `));
      expect(report).toMatch(/against the base model \(before RL\) at /);

      // Training curves: the per-step mean, min and max of the runs' stored metric.
      for (const arm of ARMS) {
        const series = SEEDS.map((seed) => store.metrics.series(res.runs.find((x) => x.arm === arm && x.seed === seed)!.runId, 'reward/accuracy'));
        const curve = res.curves['reward/accuracy']![arm]!;
        expect(curve.map((p) => p.step)).toEqual([0, 1]);
        for (const p of curve) {
          const vs = series.map((s) => s.find((x) => x.step === p.step)!.value!);
          expect(p.mean).toBeCloseTo((vs[0]! + vs[1]!) / 2, 12);
          expect([p.min, p.max]).toEqual([Math.min(...vs), Math.max(...vs)]);
        }
      }
      expect(res.curves['embeddings/group/pos_pair_sim/mean']?.['GRPO']).toBeUndefined(); // no head without CLIPO

      // Figures: referenced by the report, well-formed, one line per arm.
      const figs = [...report.matchAll(/!\[[^\]]*\]\(figures\/([^)]+\.svg)\)/g)].map((x) => x[1]!);
      expect(figs).toEqual(expect.arrayContaining(['reward-accuracy.svg', 'reward-mean.svg', 'similarity-embeddings-grpo-clipo.svg', 'embedding-scatter.svg']));
      for (const f of figs) checkXml(readFileSync(join(out, 'figures', f), 'utf8'));
      const acc = readFileSync(join(out, 'figures', 'reward-accuracy.svg'), 'utf8');
      for (const arm of ARMS) expect(acc.split(`class="line" data-series="${arm}"`).length - 1).toBe(1);
      expect(acc.match(/class="line"/g)).toHaveLength(ARMS.length);
      expect(acc.match(/class="band"/g)).toHaveLength(ARMS.length);
      const scatter = readFileSync(join(out, 'figures', 'embedding-scatter.svg'), 'utf8');
      expect(scatter.match(/class="panel"/g)).toHaveLength(ARMS.length * 2);
      const evalRows = runs.reduce((n, x) => n + store.evaluations.ofRun(x.id).length, 0);

      // A rerun trains and evaluates nothing again: same runs, same evaluation rows, same numbers.
      const again = clipo('experiment', specPath, '--out', out);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr.match(/finished earlier, skipped/g)).toHaveLength(4);
      expect(store.runs.list()).toHaveLength(4);
      expect(store.runs.list().reduce((n, x) => n + store.evaluations.ofRun(x.id).length, 0)).toBe(evalRows);
      const res2 = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as typeof res;
      expect(res2.splits).toEqual(res.splits);
      expect(store.evaluations.ofRun(baseRunId).filter((e) => e.checkpointStep === null).map((e) => e.id)).toEqual(baseRows.map((e) => e.id));

      // eval.base false (in-process on the same store, to spare the test a third CLI invocation): the same arms, no base row or Δ vs base.
      const noBase = parseExperimentSpec({ ...spec, eval: { ...spec.eval, base: false } });
      const res3 = collectResults(store, noBase, 'tiny-demo', res.runs);
      expect(res3.splits[0]!.metrics.map((m) => [m.base, m.diffsVsBase])).toEqual([[null, []], [null, []]]);
      expect(res3.splits[0]!.metrics.map((m) => m.arms)).toEqual(res.splits[0]!.metrics.map((m) => m.arms));
      const report3 = reportMarkdown({ spec: noBase, res: res3, figures: [], figurePrefix: 'figures/' });
      expect(report3).not.toMatch(/base model \(before RL\)|Δ vs base/);
      expect(report3).toMatch(/\| arm \| seeds \| pass@1 \(greedy\): mean ± 95 % CI \| Δ vs GRPO \[95 % CI\] \| pass@2/);
    } finally {
      store.close();
    }
  });
});
