// The report's summary against the base model: which differences it calls, and how many of all the
// cells it compared would exclude zero by chance (each cell is its own 95 % test).
import { describe, expect, it } from 'vitest';
import type { DiffStat, ExperimentResults, SplitResult } from '../../main/experiment/collectResults.js';
import { pairedDiff, separatesFromZero } from '../../main/experiment/stats.js';
import { summaryLines } from '../../main/experiment/writeReport.js';

const seeds = [1, 2, 3];
const stat = (arm: string, values: number[]) => {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return { arm, values: Object.fromEntries(values.map((v, i) => [String(seeds[i]), v])), n: values.length, mean: m, sd: null, half: null, lo: null, hi: null };
};
const vsBase = (arm: string, values: number[], base: number): DiffStat => {
  const d = pairedDiff(new Map(values.map((v, i) => [seeds[i]!, v])), new Map(seeds.map((s) => [s, base])));
  return { ...d, arm, baseline: 'base', significant: separatesFromZero(d) };
};
/** One split, one metric, two arms; the arms equal each other on every seed (no arm-vs-arm difference). */
function split(name: string, base: number, a: number[], b: number[]): SplitResult {
  const same = pairedDiff(new Map(b.map((v, i) => [seeds[i]!, v])), new Map(a.map((v, i) => [seeds[i]!, v])));
  return {
    split: name, title: name, problems: 100,
    metrics: [{
      key: 'pass@1', title: 'pass@1 (greedy)', arms: [stat('A', a), stat('B', b)],
      diffs: [{ ...same, arm: 'B', baseline: 'A', significant: separatesFromZero(same) }],
      base: { ...stat('base', seeds.map(() => base)), arm: 'base', runId: 1, seed: 1 },
      diffsVsBase: [vsBase('A', a, base), vsBase('B', b, base)],
    }],
  };
}
const results = (splits: SplitResult[]): ExperimentResults => ({
  experiment: 'x', model: 'm', task: 't', steps: 4, seeds, arms: ['A', 'B'],
  eval: { splits: [], perturbations: [], limit: 100, samples: 4, k: 4, temperature: 0.6, base: true } as unknown as ExperimentResults['eval'],
  runs: [], splits, dynamicSamplingArms: [], curves: {},
} as unknown as ExperimentResults);

describe('summary against the base model', () => {
  it('calls only intervals that exclude zero and says how many of all the cells would by chance', () => {
    // split s1: A moves +0.10, +0.11, +0.12 from 0.40 (mean +0.11, tight: significant); B = A on every seed.
    // split s2: A and B move -0.05, +0.05, 0 (interval spans zero) from 0.20.
    const lines = summaryLines(results([
      split('s1', 0.4, [0.5, 0.51, 0.52], [0.5, 0.51, 0.52]),
      split('s2', 0.2, [0.15, 0.25, 0.2], [0.15, 0.25, 0.2]),
    ])).join('\n');
    expect(lines).toMatch(/s1, pass@1 \(greedy\), against the base model \(before RL\) at 0\.400: \*\*A above the base model\*\* by \+0\.110/);
    expect(lines).toMatch(/s2, pass@1 \(greedy\), against the base model \(before RL\) at 0\.200: no significant change from the base model for A, B\./);
    // 4 cells (2 splits × 2 arms); A and B on s1 exclude zero, both above; 4 × 0.05 = 0.2 expected by chance.
    expect(lines).toContain('2 of these 4 differences from the base model exclude zero (2 above, 0 below); with no real change about 0.2 would by chance');
  });
  it('with no difference from the base model says that, without a chance count', () => {
    const lines = summaryLines(results([split('s2', 0.2, [0.15, 0.25, 0.2], [0.15, 0.25, 0.2])])).join('\n');
    expect(lines).toContain("No arm's paired difference from the base model has a 95 % interval that excludes zero");
    expect(lines).not.toContain('would by chance');
  });
});
