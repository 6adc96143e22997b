import { describe, expect, test } from 'vitest';
import { exactMatch, type ExactMatchParams } from '../../../main/rl/verifiers/exactMatch.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

// [case, completion, answer, params, value, correct]
const cases: [string, string, string, Partial<ExactMatchParams>, number, boolean][] = [
  ['right, prefix', '42 is the answer', '42', {}, 1, true],
  ['right, leading spaces', '  \n42', '42', {}, 1, true],
  ['right, exact', ' cat \n', 'cat', { mode: 'exact' }, 1, true],
  ['right, contains', 'I say cat.', 'cat', { mode: 'contains' }, 1, true],
  ['right, case-insensitive', 'CAT', 'cat', { caseSensitive: false }, 1, true],
  ['wrong, prefix', '41', '42', {}, 0, false],
  ['wrong, case matters by default', 'Cat', 'cat', {}, 0, false],
  ['wrong, exact with trailing text', 'cat!', 'cat', { mode: 'exact' }, 0, false],
  ['wrong, answer not first', 'the answer is 42', '42', {}, 0, false],
  ['partial, half', '4x', '42', { partialCredit: true }, 0.5, false],
  ['partial, 3 of 4', 'abcx', 'abcd', { partialCredit: true }, 0.75, false],
  ['partial, none', 'zzzz', 'abcd', { partialCredit: true }, 0, false],
  ['partial, short completion', 'ab', 'abcd', { partialCredit: true }, 0.5, false],
  ['partial, full match is 1', 'abcd', 'abcd', { partialCredit: true }, 1, true],
  ['partial does not apply to contains', 'abx', 'abcd', { partialCredit: true, mode: 'contains' }, 0, false],
  ['malformed, empty completion', '', '42', {}, 0, false],
  ['malformed, empty answer', '42', '', {}, 0, false],
  ['adversarial, regex characters are literal', '.*', 'a', {}, 0, false],
  ['adversarial, \\boxed is not special', '\\boxed{42}', '42', {}, 0, false],
];

describe('exactMatch', () => {
  test.each(cases)('%s', (_name, completion, answer, params, value, correct) => {
    const r = exactMatch({ completion, answer }, params);
    expect(r.value).toBe(value);
    expect(r.correct).toBe(correct);
  });

  test.each(Object.entries(hostile))('hostile: %s', (_name, completion) => {
    const { result, ms } = timed(() => exactMatch({ completion, answer: '42' }, { partialCredit: true }));
    expect(result.value).toBe(completion.startsWith('4') ? 0.5 : 0);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });

  test('1 MB completion that starts with the answer', () => {
    const { result, ms } = timed(() => exactMatch({ completion: '42' + 'x'.repeat(1 << 20), answer: '42' }));
    expect(result.value).toBe(1);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
