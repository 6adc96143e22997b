import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { computePolicyWeights } from '../../main/rl/objectives/index.js';
import { rolloutCorrection } from '../../main/rl/objectives/rolloutCorrection.js';
import { randomBatch } from './helpers.js';

// two completions: π_old vs sampler log-probs, Δ = ℓ_old − ℓ_samp = [0.2, −0.5 | 0, 1.0]
const oldLogp = [-1.0, -2.0, -0.5, -3.0];
const samp = [-1.2, -1.5, -0.5, -4.0];
const offsets = [0, 2, 4];

describe('rolloutCorrection (truncated IS π_old/π_sampler)', () => {
  it('token level, hand-computed: w = min(e^Δ, C) per token', () => {
    const r = rolloutCorrection(oldLogp, samp, offsets, { level: 'token', cap: 2 });
    const w = [1.2214027581601699, 0.6065306597126334, 1, 2]; // e^0.2, e^−0.5, e^0, min(e^1 = 2.718…, 2)
    r.weights.forEach((x, k) => expect(x).toBeCloseTo(w[k]!, 6));
    expect(r.metrics[M.isWeightMean]).toBeCloseTo((1.2214027581601699 + 0.6065306597126334 + 1 + 2) / 4, 6);
    expect(r.metrics[M.isRatioMin]).toBeCloseTo(0.6065306597126334, 6);
    expect(r.metrics[M.isRatioMax]).toBeCloseTo(2.718281828459045, 6); // before truncation
    expect(r.metrics[M.isTruncatedFrac]).toBe(0.25);
  });

  it('sequence level, hand-computed: w_i = min(e^{ΣΔ}, C) on every token of i', () => {
    const r = rolloutCorrection(oldLogp, samp, offsets, { level: 'sequence', cap: 2 });
    const w0 = 0.7408182206817179; // e^(0.2 − 0.5)
    expect([...r.weights].map((x) => +x.toFixed(6))).toEqual([w0, w0, 2, 2].map((x) => +x.toFixed(6)));
    expect(r.metrics[M.isWeightMean]).toBeCloseTo((w0 + 2) / 2, 6); // over sequences, as TRL logs it
    expect(r.metrics[M.isRatioMax]).toBeCloseTo(Math.E, 6);
    expect(r.metrics[M.isTruncatedFrac]).toBe(0.5);
    // a cap of 3 truncates nothing here
    expect(rolloutCorrection(oldLogp, samp, offsets, { level: 'sequence', cap: 3 }).weights[3]).toBeCloseTo(Math.E, 6);
  });

  it('stays finite for long, badly mismatched sequences (log-space), is 1 for identical policies, skips empty completions', () => {
    const n = 2000;
    const long = rolloutCorrection(new Float32Array(n).fill(-1), new Float32Array(n).fill(-2), [0, n], { level: 'sequence', cap: 5 });
    expect(long.weights.every((x) => x === 5)).toBe(true);
    const low = rolloutCorrection(new Float32Array(n).fill(-2), new Float32Array(n).fill(-1), [0, n], { level: 'sequence', cap: 5 });
    expect(low.weights.every((x) => x === 0)).toBe(true); // e^−2000 underflows to 0: that sequence carries no weight
    const same = rolloutCorrection([-0.3, -0.7], [-0.3, -0.7], [0, 0, 2], { level: 'sequence', cap: 2 });
    expect([...same.weights]).toEqual([1, 1]);
    expect(same.metrics[M.isWeightMean]).toBe(1);
    expect(rolloutCorrection([], [], [0], { level: 'token', cap: 2 }).metrics).toEqual({});
  });

  it('refuses misaligned inputs and a cap below 1', () => {
    expect(() => rolloutCorrection([-1], [-1, -2], [0, 1], { level: 'token', cap: 2 })).toThrow(/1 π_old vs 2 sampler/);
    expect(() => rolloutCorrection([-1], [-1], [0, 1], { level: 'token', cap: 0.5 })).toThrow(/cap/);
    expect(() => rolloutCorrection([-1, -1], [-1, -1], [0, 1], { level: 'token', cap: 2 })).toThrow(/tokenOffsets/);
  });

  it('scales the policy term of every objective token by token, and leaves the KL term alone', () => {
    for (const objective of ['grpo', 'dapo', 'gspo', 'cispo']) {
      const b = randomBatch(7, 3, 4, 6, 0.3);
      b.refLogp = b.oldLogp.map((x, k) => x - 0.05 * ((k % 3) - 1));
      const n = b.oldLogp.length;
      const scale = Float32Array.from({ length: n }, (_, k) => 0.5 + (k % 5) * 0.3);
      const ctx = { step: 0, totalSteps: 10, aggregation: 'token-mean' as const };
      const kl = { coef: 0.1, estimator: 'k3' as const };
      const plain = computePolicyWeights(objective, b, {}, ctx);
      const scaled = computePolicyWeights(objective, b, {}, ctx, undefined, scale);
      const plainKl = computePolicyWeights(objective, b, {}, ctx, kl);
      const scaledKl = computePolicyWeights(objective, b, {}, ctx, kl, scale);
      for (let k = 0; k < n; k++) {
        expect(scaled.weights[k]).toBeCloseTo(plain.weights[k]! * scale[k]!, 6);
        // KL part = (with KL) − (without), the same whether or not the policy term was scaled
        expect(scaledKl.weights[k]! - scaled.weights[k]!).toBeCloseTo(plainKl.weights[k]! - plain.weights[k]!, 6);
      }
    }
  });
});
