import { describe, expect, it } from 'vitest';
import { lrAt } from '../../main/trainer/lrSchedule.js';

describe('lrAt', () => {
  it('warms up linearly, then holds (constant)', () => {
    const s = { lr: 1e-3, warmupSteps: 4, schedule: 'constant' as const };
    expect([0, 1, 2, 3, 4, 99].map((t) => lrAt(t, 100, s))).toEqual([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]);
  });
  it('cosine: peak after warmup, half at mid-decay, 0 at the end', () => {
    const s = { lr: 2, warmupSteps: 10, schedule: 'cosine' as const };
    expect(lrAt(10, 110, s)).toBeCloseTo(2, 12);
    expect(lrAt(60, 110, s)).toBeCloseTo(1, 12); // cos(π/2) = 0 → 0.5·2
    expect(lrAt(110, 110, s)).toBeCloseTo(0, 12);
  });
  it('linear decays to 0', () => {
    const s = { lr: 1, warmupSteps: 0, schedule: 'linear' as const };
    expect(lrAt(0, 10, s)).toBe(1);
    expect(lrAt(5, 10, s)).toBe(0.5);
    expect(lrAt(10, 10, s)).toBe(0);
  });
});
