import { describe, expect, test } from 'vitest';
import { advantages, getAdvantage } from '../../main/rl/advantages/index.js';
import { M } from '../../main/api/contract/metricNames.js';

const input = (rewards: number[], groups: number[]) => ({
  rewards: Float64Array.from(rewards),
  groupIndex: Int32Array.from(groups),
  numGroups: Math.max(...groups) + 1,
});

// Hand computations:
// group {1,0,0,1}: mean 0.5; unbiased std = sqrt(4·0.25/3) = sqrt(1/3) = 0.5773502692
//   GRPO A = ±0.5/(0.5773502692 + 1e-6) = ±0.8660239038; Dr.GRPO A = ±0.5
// group {1,1,1}: zero variance → 0 for every estimator
// singleton {2}: GRPO mean 0 std 1 → 2/(1+1e-6) = 1.999998000002; Dr.GRPO 2; RLOO 2 (verl loop)
// RLOO group {1,0,0}: A_0 = 1 − mean(0,0) = 1; A_1 = 0 − mean(1,0) = −0.5
// batch-std {1,0 | 1,1}: batch mean 0.75, unbiased var = (3·0.0625 + 0.5625)/3 = 0.25, std 0.5;
//   A = (1 − 0.5)/(0.5 + 1e-6) = 0.999998000004, −0.999998000004, 0, 0
test.each([
  ['grpo', [1, 0, 0, 1, 1, 1, 1, 2], [0, 0, 0, 0, 1, 1, 1, 2], [0.8660239038, -0.8660239038, -0.8660239038, 0.8660239038, 0, 0, 0, 1.999998000002]],
  ['drgrpo', [1, 0, 0, 1, 1, 1, 1, 2], [0, 0, 0, 0, 1, 1, 1, 2], [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 2]],
  ['rloo', [1, 0, 0, 1, 1, 1, 2], [0, 0, 0, 1, 1, 1, 2], [1, -0.5, -0.5, 0, 0, 0, 2]],
  ['grpo-batch-std', [1, 0, 1, 1], [0, 0, 1, 1], [0.999998000004, -0.999998000004, 0, 0]],
])('%s golden values', (name, rewards, groups, expected) => {
  const { advantages: a } = getAdvantage(name).compute(input(rewards, groups), {});
  expect(a.length).toBe(expected.length);
  expected.forEach((e, i) => expect(a[i]).toBeCloseTo(e, 9));
});

describe('advantage invariants', () => {
  test.each(Object.keys(advantages))('%s: groups sum to 0, zero-variance group exactly 0', (name) => {
    const rewards = [0.3, 1, 0, 0.7, 0.1, 0.1, 0.1, 0.1, 1, 0];
    const groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
    const { advantages: a, metrics } = getAdvantage(name).compute(input(rewards, groups), {});
    for (let i = 4; i < 8; i++) expect(a[i]).toBe(0);
    expect(a[0]! + a[1]! + a[2]! + a[3]!).toBeCloseTo(0, 12);
    expect(a[8]! + a[9]!).toBeCloseTo(0, 12);
    expect(metrics[M.zeroVarianceGroups]).toBe(1);
  });

  test('unknown estimator lists valid names', () => {
    expect(() => getAdvantage('gae')).toThrow(/grpo, drgrpo, grpo-batch-std, rloo/);
  });

  test('epsilon param is honoured (TRL uses 1e-4)', () => {
    const { advantages: a } = getAdvantage('grpo').compute(input([1, 0], [0, 0]), { epsilon: 1e-4 });
    // std = sqrt(0.5) = 0.7071067812 → 0.5/(0.7071067812 + 1e-4) = 0.7070067954
    expect(a[0]).toBeCloseTo(0.7070067954, 9);
  });
});
