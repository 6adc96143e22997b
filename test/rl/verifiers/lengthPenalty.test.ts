import { describe, expect, test } from 'vitest';
import { lengthPenalty, type LengthPenaltyParams } from '../../../main/rl/verifiers/lengthPenalty.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

// r = −coefficient · clamp((T − free) / (L_max − free), 0, 1)
// [case, T, L_max, truncated, params, value]
const cases: [string, number | undefined, number | undefined, boolean | undefined, Partial<LengthPenaltyParams>, number][] = [
  ['empty completion', 0, 1000, false, {}, 0],
  ['half the budget', 500, 1000, false, {}, -0.05],
  ['full budget', 1000, 1000, false, {}, -0.1],
  ['free tokens', 600, 1000, false, { freeTokens: 200, coefficient: 1 }, -0.5],
  ['under the free tokens', 100, 1000, false, { freeTokens: 200 }, 0],
  ['over L_max is clamped', 5000, 1000, false, {}, -0.1],
  ['truncated: full penalty', 10, 1000, true, {}, -0.1],
  ['truncated, not penalised', 10, 1000, true, { penalizeTruncated: false, coefficient: 1 }, -0.01],
  ['malformed: no counts', undefined, undefined, undefined, {}, 0],
  ['malformed: L_max <= free', 10, 100, false, { freeTokens: 100 }, 0],
  ['malformed: NaN', Number.NaN, 1000, false, {}, 0],
];

describe('lengthPenalty', () => {
  test.each(cases)('%s', (_name, completionTokens, maxTokens, truncated, params, value) => {
    const r = lengthPenalty({ completion: '', answer: '', completionTokens, maxTokens, truncated }, params);
    expect(r.value).toBeCloseTo(value, 12);
    expect(Object.is(r.value, -0)).toBe(false);
    expect(r.correct).toBeUndefined();
  });

  test.each(Object.entries(hostile))('hostile: %s (text is ignored)', (_name, completion) => {
    const { result, ms } = timed(() => lengthPenalty({ completion, answer: '', completionTokens: 500, maxTokens: 1000 }));
    expect(result.value).toBe(-0.05);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
