import { describe, expect, it } from 'vitest';
import { passAtK, PassAtKAccumulator } from '../../main/eval/passAtK.js';

/** Direct definition with exact binomials (BigInt), for cross-checking the stable product form. */
function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}
const direct = (n: number, c: number, k: number) => 1 - Number(binom(n - c, k)) / Number(binom(n, k));

describe('pass@k (Chen et al. 2021 unbiased estimator)', () => {
  it('golden values, computed by hand', () => {
    // n=2, c=1, k=1: 1 − C(1,1)/C(2,1) = 1 − 1/2
    expect(passAtK(2, 1, 1)).toBeCloseTo(0.5, 15);
    // n=4, c=1, k=2: 1 − C(3,2)/C(4,2) = 1 − 3/6
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 15);
    // n=5, c=2, k=2: 1 − C(3,2)/C(5,2) = 1 − 3/10
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 15);
    // n=10, c=3, k=5: 1 − C(7,5)/C(10,5) = 1 − 21/252
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 15);
    // n=16, c=4, k=1 = c/n
    expect(passAtK(16, 4, 1)).toBeCloseTo(0.25, 15);
  });

  it('edge cases: none correct, all correct, n − c < k, k = n', () => {
    expect(passAtK(16, 0, 16)).toBe(0);
    expect(passAtK(16, 0, 1)).toBe(0);
    expect(passAtK(16, 16, 1)).toBe(1);
    expect(passAtK(8, 5, 4)).toBe(1); // fewer than k wrong samples: any k-subset contains a right one
    expect(passAtK(8, 1, 8)).toBe(1);
    expect(passAtK(1, 0, 1)).toBe(0);
    expect(passAtK(1, 1, 1)).toBe(1);
    expect(() => passAtK(4, 5, 1)).toThrow(RangeError);
    expect(() => passAtK(4, 1, 5)).toThrow(RangeError);
    expect(() => passAtK(0, 0, 1)).toThrow(RangeError);
    expect(() => passAtK(4, 1.5, 1)).toThrow(RangeError);
  });

  it('matches the binomial definition, and stays stable where binomials overflow', () => {
    for (const [n, c, k] of [[20, 3, 5], [50, 7, 10], [64, 1, 32], [100, 50, 10]] as const) expect(passAtK(n, c, k)).toBeCloseTo(direct(n, c, k), 12);
    const big = passAtK(2000, 3, 1000); // C(2000,1000) ≈ 2e600 overflows a double
    expect(Number.isFinite(big)).toBe(true);
    expect(big).toBeGreaterThan(0.87);
    expect(big).toBeLessThan(1);
  });

  it('accumulator averages per-problem values: pass@1 = avg@k, pass@k per problem', () => {
    const acc = new PassAtKAccumulator(4);
    acc.add({ n: 4, c: 0 });
    acc.add({ n: 4, c: 1 });
    acc.add({ n: 4, c: 4 });
    const m = acc.metrics();
    expect(acc.problems).toBe(3);
    expect(m['pass@1']).toBeCloseTo((0 + 0.25 + 1) / 3, 15);
    expect(m['avg@k']).toBe(m['pass@1']);
    expect(m['pass@k']).toBeCloseTo((0 + 1 + 1) / 3, 15);
  });
});
