/**
 * Across-seed statistics against hand-computed values: Student's t quantiles
 * from a printed table (t_{0.975, ν}: 12.706, 4.303, 2.776, 2.228, 2.042;
 * t_{0.95, 3} = 2.353), and intervals worked out by hand below.
 */
import { describe, expect, it } from 'vitest';
import { meanCI, pairedDiff, separatesFromZero, studentTCdf, studentTQuantile } from '../../main/experiment/stats.js';

describe('Student t', () => {
  it('quantiles match the printed table', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 3);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0423, 3);
    expect(studentTQuantile(0.95, 3)).toBeCloseTo(2.3534, 3);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764, 3);
  });
  it('the CDF of ν = 1 is the Cauchy CDF 1/2 + atan(t)/π', () => {
    for (const t of [-3, -0.5, 0, 0.7, 2, 10]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
  });
  it('refuses impossible arguments', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
  });
});

describe('mean ± 95 % t interval', () => {
  it('two seeds 0.5 and 0.75: sd = 0.25/√2, se = 0.125, half = 12.7062 × 0.125 = 1.5883', () => {
    const c = meanCI([0.5, 0.75]);
    expect(c.mean).toBeCloseTo(0.625, 12);
    expect(c.sd).toBeCloseTo(0.1767767, 6);
    expect(c.half).toBeCloseTo(1.588276, 4);
    expect(c.lo).toBeCloseTo(0.625 - 1.588276, 4);
  });
  it('three seeds 1, 2, 3: sd = 1, half = 4.3027/√3 = 2.4841', () => {
    const c = meanCI([1, 2, 3]);
    expect(c.mean).toBe(2);
    expect(c.sd).toBeCloseTo(1, 12);
    expect(c.half).toBeCloseTo(2.484138, 4);
  });
  it('one value has no interval; non-finite values (a missing evaluation) are left out', () => {
    expect(meanCI([0.4])).toMatchObject({ n: 1, mean: 0.4, half: null, lo: null });
    expect(meanCI([0.4, NaN, 0.6])).toMatchObject({ n: 2, mean: 0.5 });
  });
  it('paired differences use the seeds both arms have', () => {
    // arm − base per seed: 0.1, 0.2, 0.3 → mean 0.2, sd 0.1, half = 4.3027 × 0.1/√3 = 0.24841
    const d = pairedDiff(new Map([[1, 0.6], [2, 0.7], [3, 0.8], [4, 0.9]]), new Map([[1, 0.5], [2, 0.5], [3, 0.5]]));
    expect(d.seeds).toEqual([1, 2, 3]);
    expect(d.mean).toBeCloseTo(0.2, 12);
    expect(d.half).toBeCloseTo(0.248414, 4);
    expect(separatesFromZero(d)).toBe(false); // [−0.048, 0.448] holds zero
    const clear = pairedDiff(new Map([[1, 0.61], [2, 0.62], [3, 0.6]]), new Map([[1, 0.5], [2, 0.5], [3, 0.5]]));
    expect(separatesFromZero(clear)).toBe(true); // 0.11 ± 0.0248
  });
});
