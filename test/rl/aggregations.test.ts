import { expect, test } from 'vitest';
import { adamwStep } from '../../main/rl/clipo/adamw.js';
import { aggregations, getAggregation } from '../../main/rl/aggregations.js';

// offsets [0, 2, 2, 5]: T = [2, 0, 3]; the empty response gets c = 0 and is not counted in B (= 2)
// token-mean 1/5; seq-mean-token-mean 1/(2·T) = [1/4, 0, 1/6]; seq-mean-token-sum 1/2;
// constant-normalised 1/(B·L_max): L_max = 3 (batch) → 1/6, or 1/(2·10) = 1/20 when given.
test.each([
  ['token-mean', undefined, [1 / 5, 0, 1 / 5]],
  ['seq-mean-token-mean', undefined, [1 / 4, 0, 1 / 6]],
  ['seq-mean-token-sum', undefined, [1 / 2, 0, 1 / 2]],
  ['constant-normalised', undefined, [1 / 6, 0, 1 / 6]],
  ['constant-normalised', 10, [1 / 20, 0, 1 / 20]],
] as const)('%s (L_max %s)', (name, maxLen, expected) => {
  const c = getAggregation(name)(Int32Array.from([0, 2, 2, 5]), maxLen);
  expected.forEach((x, i) => expect(c[i]).toBeCloseTo(x, 15));
});

test('registry has the four modes', () => {
  expect(Object.keys(aggregations)).toEqual(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'constant-normalised']);
});

test('AdamW golden: first step is p(1 − lr·wd) − lr·g/(|g| + eps)', () => {
  // m = .1·.5 = .05, v = .001·.25 = 2.5e-4; m̂ = .5, v̂ = .25 → update = .1·.5/(.5 + 1e-8) = .099999998
  // p = 1·(1 − .1·.01) − .099999998 = .899000002
  const p = Float32Array.from([1]);
  const m = new Float32Array(1);
  const v = new Float32Array(1);
  adamwStep(p, [0.5], m, v, 1, { lr: 0.1, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  expect(p[0]).toBeCloseTo(0.899000002, 6);
  expect(m[0]).toBeCloseTo(0.05, 7);
  expect(v[0]).toBeCloseTo(2.5e-4, 9);
  // second step with g = −.5: m = .9·.05 − .05 = −.005, v = .999·2.5e-4 + .001·.25 = 4.9975e-4
  // m̂ = −.005/.19 = −.0263157895, v̂ = 4.9975e-4/.001999 = .25 → update = .1·(−.0263157895)/.5 = −.0052631579
  // p = .899000002·.999 + .0052631579 = .898101002 + .0052631579 = .9033641599
  adamwStep(p, [-0.5], m, v, 2, { lr: 0.1, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  expect(p[0]).toBeCloseTo(0.9033641599, 6); // float32 storage
});
