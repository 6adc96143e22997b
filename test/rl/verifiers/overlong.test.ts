import { describe, expect, test } from 'vitest';
import { overlong, type OverlongParams } from '../../../main/rl/verifiers/overlong.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

// r = min(−(T − (L_max − L_buf)) / L_buf · pf, 0)   (DAPO; ALGORITHMS.md §3.3)
// [case, T, L_max, params, value]
const cases: [string, number | undefined, number | undefined, Partial<OverlongParams>, number][] = [
  ['short: no penalty', 100, 1000, {}, 0],
  ['exactly at the buffer start', 800, 1000, {}, 0],
  ['half-way into the default 20% buffer', 900, 1000, {}, -0.5],
  ['at L_max', 1000, 1000, {}, -1],
  ['paper setting, 1024 into 4096', 16384 + 1024, 20480, { bufferTokens: 4096 }, -0.25],
  ['penalty factor scales', 950, 1000, { penaltyFactor: 2 }, -1.5],
  ['maxTokens param overrides input', 450, undefined, { maxTokens: 500 }, -0.5],
  ['beyond L_max: no lower clamp, as verl', 1100, 1000, {}, -1.5],
  ['malformed: no counts', undefined, undefined, {}, 0],
  ['malformed: no L_max', 900, undefined, {}, 0],
  ['malformed: negative T', -5, 1000, {}, 0],
  ['malformed: NaN T', Number.NaN, 1000, {}, 0],
  ['malformed: zero buffer', 999, 1000, { bufferFraction: 0 }, 0],
];

describe('overlong', () => {
  test.each(cases)('%s', (_name, completionTokens, maxTokens, params, value) => {
    const r = overlong({ completion: '', answer: '', completionTokens, maxTokens }, params);
    expect(r.value).toBeCloseTo(value, 12);
    expect(Object.is(r.value, -0)).toBe(false);
  });

  test.each(Object.entries(hostile))('hostile: %s (text is ignored)', (_name, completion) => {
    const { result, ms } = timed(() => overlong({ completion, answer: '', completionTokens: 900, maxTokens: 1000 }));
    expect(result.value).toBe(-0.5);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
