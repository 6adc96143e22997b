import { describe, expect, test } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { pcaProject2d } from '../../main/rl/diagnostics/pcaProjection.js';
import { similarityFluctuation, similarityMetrics } from '../../main/rl/diagnostics/similarityFluctuation.js';
import { Rng } from '../../main/rl/random.js';

describe('similarity fluctuation', () => {
  test('golden: pos, mixed, and empty categories', () => {
    // one group: z0 = (1,0) ✓, z1 = (.6,.8) ✓, z2 = (0,1) ✗; group 2: (2,0) ✗, (0,−3) ✗
    // pos pairs: (0,1) = .6. mixed: (0,2) = 0, (1,2) = .8 → .4. neg: (3,4) = 0 → 0
    const x = Float32Array.from([1, 0, 0.6, 0.8, 0, 1, 2, 0, 0, -3]);
    const s = similarityFluctuation(x, 2, Uint8Array.from([1, 1, 0, 0, 0]), Int32Array.from([0, 0, 0, 1, 1]));
    expect(s.posPairSim).toBeCloseTo(0.6, 6);
    expect(s.mixedPairSim).toBeCloseTo(0.4, 6);
    expect(s.negPairSim).toBeCloseTo(0, 6);
    expect([s.posPairs, s.negPairs, s.mixedPairs]).toEqual([1, 1, 2]);
    const noNeg = similarityFluctuation(x.subarray(0, 6), 2, Uint8Array.from([1, 1, 0]), new Int32Array(3));
    expect(Number.isNaN(noNeg.negPairSim)).toBe(true);
    const m = similarityMetrics(noNeg, 'hidden_states');
    expect(m[M.hiddenPosPairSim]).toBeCloseTo(0.6, 6);
    expect(M.hiddenNegPairSim in m).toBe(false);
  });

  test('pairs never cross groups', () => {
    const x = Float32Array.from([1, 0, 1, 0]);
    const s = similarityFluctuation(x, 2, Uint8Array.from([1, 1]), Int32Array.from([0, 1]));
    expect(s.posPairs).toBe(0);
  });
});

/** n points in dim with variance 9 along e0 and 4 along e1 (+ small noise elsewhere), random sign per call. */
function cloud(rng: Rng, n: number, dim: number, flip: boolean, s1 = 3, s2 = 2): Float32Array {
  const x = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const a = rng.uniform(-1, 1) * s1 * Math.sqrt(3);
    const b = rng.uniform(-1, 1) * s2 * Math.sqrt(3);
    for (let k = 0; k < dim; k++) x[r * dim + k] = 0.05 * rng.uniform(-1, 1);
    x[r * dim + 0]! += flip ? -a : a;
    x[r * dim + 1]! += b;
    x[r * dim + 2]! += 1; // offset, removed by centring
  }
  return x;
}

describe('PCA 2-D projection', () => {
  test('finds the principal axes in order', () => {
    const p = pcaProject2d(cloud(Rng.fromSeed(1), 400, 6, false), 400, 6);
    expect(Math.abs(p.axes[0]!)).toBeGreaterThan(0.99);
    expect(Math.abs(p.axes[6 + 1]!)).toBeGreaterThan(0.99);
    expect(p.variance[0]).toBeGreaterThan(p.variance[1]);
    expect(p.variance[0]).toBeCloseTo(9, 0);
  });

  test('orientation stays stable from step to step (sign and rotation aligned to previous axes)', () => {
    const rng = Rng.fromSeed(2);
    let prev = pcaProject2d(cloud(rng, 300, 8, false), 300, 8).axes;
    for (let step = 0; step < 6; step++) {
      // the data's principal direction flips sign every other step; a near-degenerate cloud in the
      // last steps lets the eigenvectors rotate freely within the plane
      const degenerate = step >= 4;
      const x = cloud(rng, 300, 8, step % 2 === 0, 3, degenerate ? 2.95 : 2);
      const p = pcaProject2d(x, 300, 8, prev);
      for (let a = 0; a < 2; a++) {
        let d = 0;
        for (let k = 0; k < 8; k++) d += p.axes[a * 8 + k]! * prev[a * 8 + k]!;
        expect(d, `step ${step} axis ${a}`).toBeGreaterThan(0.95);
      }
      prev = p.axes;
    }
  });

  test('axes are orthonormal and coords are the projections', () => {
    const x = cloud(Rng.fromSeed(3), 50, 5, false);
    const p = pcaProject2d(x, 50, 5);
    let d01 = 0;
    let n0 = 0;
    for (let k = 0; k < 5; k++) (d01 += p.axes[k]! * p.axes[5 + k]!), (n0 += p.axes[k]! ** 2);
    expect(d01).toBeCloseTo(0, 8);
    expect(n0).toBeCloseTo(1, 8);
    let c = 0;
    for (let k = 0; k < 5; k++) c += (x[k]! - p.mean[k]!) * p.axes[5 + k]!;
    expect(p.coords[1]).toBeCloseTo(c, 5);
  });
});
