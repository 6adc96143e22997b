// PCA of the embedding scatter against a case worked by hand.
import { describe, expect, it } from 'vitest';
import { pcaProject2d } from '../../main/rl/diagnostics/pcaProjection.js';

describe('pcaProject2d on a hand-computed 2-D cloud', () => {
  // Points (2,2), (−2,−2), (1,−1), (−1,1): mean 0; Σx² = Σy² = 10, Σxy = 4 + 4 − 1 − 1 = 6, so with
  // 1/n, C = [[2.5, 1.5], [1.5, 2.5]]: eigenvalues 2.5 ± 1.5 = 4 and 1, eigenvectors (1,1)/√2 and
  // (1,−1)/√2; tr C = 5, so the axes explain 4/5 and 1/5 of the variance. Along (1,1)/√2 the
  // points sit at ±2√2 and 0; along (1,−1)/√2 at 0 and ±√2.
  const x = Float32Array.from([2, 2, -2, -2, 1, -1, -1, 1]);

  it('finds the eigenvalues, the explained variance and the coordinates', () => {
    const p = pcaProject2d(x, 4, 2);
    expect(p.eigenvalues[0]).toBeCloseTo(4, 10);
    expect(p.eigenvalues[1]).toBeCloseTo(1, 10);
    expect(p.totalVariance).toBeCloseTo(5, 12);
    expect(p.explained[0]).toBeCloseTo(0.8, 10);
    expect(p.explained[1]).toBeCloseTo(0.2, 10);
    const s = Math.SQRT2;
    // An eigenvector's sign is a convention (here: the largest-|.| component positive, and the two
    // components tie in size), so compare each axis up to one sign for all its points.
    const want = [[2 * s, 0], [-2 * s, 0], [0, s], [0, -s]];
    for (const a of [0, 1]) {
      const sign = Math.sign(p.coords[a === 0 ? 0 : 5]!) * Math.sign(want[a === 0 ? 0 : 2]![a]!);
      want.forEach((w, r) => expect(p.coords[2 * r + a]! * sign).toBeCloseTo(w[a]!, 5));
    }
  });

  it('a Procrustes turn onto previous axes keeps the eigenvalues and the explained share', () => {
    const turned = Float64Array.from([0, 1, 1, 0]); // previous axes swapped: the projection rotates onto them
    const p = pcaProject2d(x, 4, 2, turned);
    expect(p.explained[0] + p.explained[1]).toBeCloseTo(1, 10);
    expect(p.eigenvalues[0]).toBeCloseTo(4, 10);
    expect(p.variance[0] + p.variance[1]).toBeCloseTo(5, 6);
  });

  it('points that coincide explain nothing (no division by zero)', () => {
    const p = pcaProject2d(Float32Array.from([1, 1, 1, 1, 1, 1]), 3, 2);
    expect(p.explained).toEqual([0, 0]);
  });
});
