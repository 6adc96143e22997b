import { describe, expect, it } from 'vitest';
import { samplerMismatch } from '../../main/rl/diagnostics/samplerMismatch.js';

describe('samplerMismatch', () => {
  it('hand-computed: mean and max |Δ log p|, max |Δ p|', () => {
    // tokens: p_s = 0.5 vs π = 0.25; p_s = 0.1 vs π = 0.1; p_s = 0.9 vs π = 0.6
    const s = [Math.log(0.5), Math.log(0.1), Math.log(0.9)];
    const t = [Math.log(0.25), Math.log(0.1), Math.log(0.6)];
    const m = samplerMismatch(s, t);
    expect(m.tokens).toBe(3);
    expect(m.logpDiffMax).toBeCloseTo(Math.log(2), 12); // log 0.5 − log 0.25
    expect(m.logpDiffMean).toBeCloseTo((Math.log(2) + 0 + Math.log(1.5)) / 3, 12);
    expect(m.probDiffMax).toBeCloseTo(0.3, 12); // 0.9 − 0.6 beats 0.5 − 0.25
  });
  it('is zero for identical inputs and for none; refuses misaligned ones', () => {
    expect(samplerMismatch([-1, -2], Float32Array.from([-1, -2]))).toEqual({ logpDiffMean: 0, logpDiffMax: 0, probDiffMax: 0, tokens: 2 });
    expect(samplerMismatch([], [])).toEqual({ logpDiffMean: 0, logpDiffMax: 0, probDiffMax: 0, tokens: 0 });
    expect(() => samplerMismatch([-1], [-1, -2])).toThrow(/1 sampler vs 2 trainer/);
  });
});
