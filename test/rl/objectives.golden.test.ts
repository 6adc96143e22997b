/** Hand-computed golden values for small cases of every objective (arithmetic in comments). */
import { describe, expect, test } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { computePolicyWeights, getObjective } from '../../main/rl/objectives/index.js';
import type { AggregationName } from '../../main/rl/types.js';
import { makeBatch } from './helpers.js';

const ln = Math.log;
const ctx = (aggregation: AggregationName = 'token-mean') => ({ step: 0, totalSteps: 10, aggregation });

// Batch P: seq0 r = [1, 1.25], A = 1; seq1 r = [0.5], A = −1; seq2 r = [4, 0.9], A = −0.5. N_tok = 5.
const batchP = () =>
  makeBatch([
    { delta: [0, ln(1.25)], adv: 1 },
    { delta: [ln(0.5)], adv: -1 },
    { delta: [ln(4), ln(0.9)], adv: -0.5 },
  ]);

describe('PPO-clip family goldens on batch P', () => {
  test.each([
    // grpo, token-mean c = 1/5, ε = 0.2, dual c = 3:
    //  t0 r=1 active: w = .2·1·1 = .2, J .2;  t1 r=1.25 > 1.2 clipped: w 0, J .2·1.2 = .24
    //  t2 A<0 r=.5 < .8 clipped: J .2·(−1)(.8) = −.16;  t3 r=4 > 3 dual-clipped: J .2·(−.5)·3 = −.3
    //  t4 r=.9 active: w = .2·(−.5)·.9 = −.09, J −.09.   J = .2+.24−.16−.3−.09 = −.11
    ['grpo', 'token-mean', [0.2, 0, 0, 0, -0.09], -0.11],
    // dapo ε_h = .28: t1 active, w = .2·1.25 = .25, J .25 → J = −.11 − .24 + .25 = −.10
    ['dapo', 'token-mean', [0.2, 0.25, 0, 0, -0.09], -0.1],
    // drgrpo c = 1/(B·L_max) = 1/6: w = [1/6, 0, 0, 0, −.5·.9/6 = −.075];
    //  J = (1 + 1.2 − .8 − 1.5 − .45)/6 = −.55/6
    ['drgrpo', 'token-mean', [1 / 6, 0, 0, 0, -0.075], -0.55 / 6],
    // grpo seq-mean-token-mean c = [1/6, 1/3, 1/6]: J = 2.2/6 − .8/3 − 1.95/6 = −1.35/6
    ['grpo', 'seq-mean-token-mean', [1 / 6, 0, 0, 0, -0.075], -1.35 / 6],
    // grpo seq-mean-token-sum c = 1/3: w = [1/3, 0, 0, 0, −.15], J = −.55/3
    ['grpo', 'seq-mean-token-sum', [1 / 3, 0, 0, 0, -0.15], -0.55 / 3],
  ] as const)('%s (%s)', (name, agg, w, J) => {
    const r = computePolicyWeights(name, batchP(), {}, ctx(agg));
    w.forEach((x, k) => expect(r.weights[k]).toBeCloseTo(x, 7));
    expect(r.objective).toBeCloseTo(J, 10);
  });

  test('clip-fraction metrics on batch P (grpo)', () => {
    const m = computePolicyWeights('grpo', batchP(), {}, ctx()).metrics;
    // high: t1; low: t2; dual: t3 → each 1/5
    expect(m[M.clipFracHigh]).toBeCloseTo(0.2, 12);
    expect(m[M.clipFracLow]).toBeCloseTo(0.2, 12);
    expect(m[M.dualClipFrac]).toBeCloseTo(0.2, 12);
    expect(m[M.ratioMax]).toBeCloseTo(4, 12);
    expect(m[M.ratioMin]).toBeCloseTo(0.5, 12);
    // ratio mean = (1 + 1.25 + .5 + 4 + .9)/5 = 1.53
    expect(m[M.ratioMean]).toBeCloseTo(1.53, 12);
  });
});

describe('sequence-level and soft variants', () => {
  test('gspo: s = e^{mean Δ}, w = A·s/(B·T)', () => {
    // seq0 Δ = [1e-4, 3e-4] → s = e^{2e-4} = 1.000200020; ≤ 1.0004 active; w = s/(2·2) = .2500500050
    // seq1 Δ = [−1e-3] → s = .9990005 < 1 − 3e-4 clipped (A < 0): w 0, J_1 = −max(s, .9997) = −.9997
    // J = (1.000200020 − .9997)/2 = 2.5001000e-4
    const b = makeBatch([{ delta: [1e-4, 3e-4], adv: 1 }, { delta: [-1e-3], adv: -1 }]);
    const r = getObjective('gspo').compute(b, {}, ctx());
    expect(r.weights[0]).toBeCloseTo(0.250050005, 7);
    expect(r.weights[1]).toBeCloseTo(0.250050005, 7);
    expect(r.weights[2]).toBe(0);
    expect(r.objective).toBeCloseTo(2.5001000067e-4, 12);
  });

  test('gmpo: token clipping in log space, geometric mean ratio', () => {
    // seq0 A = 1, Δ = [.1, .5]: .5 > .4 clipped → g = [.1, .4], R = e^{.25} = 1.2840254167;
    //   w = [R/(2·2) = .3210063542, 0]
    // seq1 A = −1, Δ = [−.6, .2]: −.6 < −.4 clipped → g = [−.4, .2], R = e^{−.1} = .9048374180;
    //   w = [0, −R/4 = −.2262093545];  J = (1.2840254167 − .9048374180)/2 = .1895939993
    const b = makeBatch([{ delta: [0.1, 0.5], adv: 1 }, { delta: [-0.6, 0.2], adv: -1 }]);
    const r = getObjective('gmpo').compute(b, {}, ctx());
    [0.3210063542, 0, 0, -0.2262093545].forEach((x, k) => expect(r.weights[k]).toBeCloseTo(x, 7));
    expect(r.objective).toBeCloseTo(0.1895939993, 9);
  });

  test('cispo: w = c·A·min(r, 5), never zeroed', () => {
    // token-mean c = 1/3; ĉ = [1, min(6,5) = 5, .5]; w = [1/3, 5/3, −2·.5/3 = −1/3]
    const b = makeBatch([{ delta: [0, ln(6)], adv: 1 }, { delta: [ln(0.5)], adv: -2 }]);
    const r = getObjective('cispo').compute(b, {}, ctx());
    [1 / 3, 5 / 3, -1 / 3].forEach((x, k) => expect(r.weights[k]).toBeCloseTo(x, 6));
  });

  test('sapo: smooth gate', () => {
    // A = 1, r = 1.5, τ = 1: σ = sigmoid(.5) = .6224593312; w = 4σ(1−σ)·r = 1.4100222732;
    //   J_t = (4/τ)σ = 2.4898373249
    // A = −1, r = .8, τ = 1.05: σ = sigmoid(−.21) = .4476920904; w = −4σ(1−σ)·.8 = −.7912444243;
    //   J_t = −(4/1.05)σ = −1.7054936778. seq-mean-token-mean, B = 2, T = 1: c = 1/2.
    const b = makeBatch([{ delta: [ln(1.5)], adv: 1 }, { delta: [ln(0.8)], adv: -1 }]);
    const r = getObjective('sapo').compute(b, {}, ctx());
    expect(r.weights[0]).toBeCloseTo(1.4100222732 / 2, 7);
    expect(r.weights[1]).toBeCloseTo(-0.7912444243 / 2, 7);
    expect(r.objective).toBeCloseTo((2.4898373249 - 1.7054936778) / 2, 9);
  });
});

describe('contrastive objectives', () => {
  test('conspo: one valid group of (1 pos, 1 neg) plus an all-correct group', () => {
    // τ = 1, M = .1, step = α·total → m = .1. s0 = −.5, s1 = −1.
    // a = (−.5 − .1)/1 = −.6, b = −1: P⁺ = e^{−.6}/(e^{−.6} + e^{−1}) = sigmoid(.4) = .5986876601
    // g0 = 1 − P⁺ = .4013123399, g1 = −.4013123399; Z_norm = Q = 2 → w = ±.2006561699
    // J = (1/2)·τ·log P⁺ = .5·ln(.5986876601) = −.2565076262
    const b = makeBatch(
      [
        { delta: [0], logp: [-0.5], label: 1, group: 0 },
        { delta: [0], logp: [-1], label: 0, group: 0 },
        { delta: [0], logp: [-0.2], label: 1, group: 1 },
        { delta: [0], logp: [-0.3], label: 1, group: 1 },
      ],
      2,
    );
    const r = getObjective('conspo').compute(b, { tau: 1, margin: 0.1, alpha: 0.3 }, { step: 30, totalSteps: 100, aggregation: 'token-mean' });
    [0.2006561699, -0.2006561699, 0, 0].forEach((x, k) => expect(r.weights[k]).toBeCloseTo(x, 7));
    expect(r.objective).toBeCloseTo(-0.2565076262, 9);
    expect(r.metrics[M.conspoValidGroups]).toBe(1);
    // valid-groups normaliser: Z = 1 → weights double
    const v = getObjective('conspo').compute(b, { tau: 1, margin: 0.1, normalizer: 'valid-groups' }, { step: 30, totalSteps: 100, aggregation: 'token-mean' });
    expect(v.weights[0]).toBeCloseTo(0.4013123399, 7);
  });

  test('disco: positives 1/(Q|P|T), negatives −softmax/(Q T), KL hinge', () => {
    // P = {0, 1}, N = {2, 3}, τ = 1, T = 1, Q = 1, s = [−.2, −.4, −1, −2]
    // w_pos = 1/2; softmax_N(s) = [1/(1+e^{−1}) = .7310585786, .2689414214] → w_neg = −those
    // J = (−.2 − .4)/2 − log(e^{−1} + e^{−2}) = −.3 + 1 − ln(1 + e^{−1}) = .3867383125
    const mk = (d: number) =>
      makeBatch([
        { delta: [d], logp: [-0.2], label: 1 },
        { delta: [d], logp: [-0.4], label: 1 },
        { delta: [d], logp: [-1], label: 0 },
        { delta: [d], logp: [-2], label: 0 },
      ]);
    const r = getObjective('disco').compute(mk(0), { tau: 1 }, ctx());
    [0.5, 0.5, -0.7310585786, -0.2689414214].forEach((x, k) => expect(r.weights[k]).toBeCloseTo(x, 7));
    expect(r.objective).toBeCloseTo(0.3867383125, 9);
    // Δ = −.01 everywhere (ℓ^old = ℓ + .01): KL = .01, h = 1e3·(.01 − 1e-4) = 9.9, +9.9/4 = 2.475 per token
    const k = getObjective('disco').compute(mk(-0.01), { tau: 1 }, ctx());
    expect(k.weights[0]).toBeCloseTo(0.5 + 2.475, 5);
    expect(k.metrics[M.discoKlPenalty]).toBeCloseTo(9.9, 9);
  });
});

describe('KL to reference', () => {
  // ℓ = −1, ℓ^ref = −1.5, β = .1, one token (c = 1), A = 0 so only KL contributes.
  // k1: w = −β·1 = −.1;  k2: ∂k/∂ℓ = ℓ − ℓ^ref = .5 → w = −.05
  // k3: x = −.5, k3 = e^{−.5} + .5 − 1 = .1065306597, ∂k/∂ℓ = 1 − e^{−.5} = .3934693403 → w = −.0393469340
  // k3+: k3 value, k2 gradient → w = −.05
  test.each([
    ['k1', -0.1, 0.5],
    ['k2', -0.05, 0.125],
    ['k3', -0.039346934, 0.1065306597],
    ['k3+', -0.05, 0.1065306597],
  ] as const)('%s', (estimator, w, value) => {
    const b = makeBatch([{ delta: [0], logp: [-1], adv: 0 }]);
    b.refLogp = Float64Array.from([-1.5]);
    const r = computePolicyWeights('grpo', b, {}, ctx(), { coef: 0.1, estimator });
    expect(r.weights[0]).toBeCloseTo(w, 7);
    expect(r.metrics[M.klRef]).toBeCloseTo(value, 9);
    expect(r.objective).toBeCloseTo(-0.1 * value, 9);
  });

  test('k3 weight is 0 where the clamp binds', () => {
    const b = makeBatch([{ delta: [0], logp: [-1], adv: 0 }]);
    b.refLogp = Float64Array.from([-1 + 25]); // x = 25 > 20
    expect(computePolicyWeights('grpo', b, {}, ctx(), { coef: 0.1, estimator: 'k3' }).weights[0]).toBe(0);
  });
});
