import { describe, expect, test } from 'vitest';
import { boxedMath } from '../../../main/rl/verifiers/boxedMath.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

// [case, completion, ground truth, value, reason, extracted]
const cases: [string, string, string, number, string, string | undefined][] = [
  ['right', 'The answer is $\\boxed{42}$.', '42', 1, 'correct', '42'],
  ['right, fraction forms', 'so \\boxed{\\dfrac{3}{4}}', '0.75', 1, 'correct', '\\dfrac{3}{4}'],
  ['right, fbox', '\\fbox{7}', '7', 1, 'correct', '7'],
  ['right, \\boxed 5', 'hence $\\boxed 5$', '5', 1, 'correct', '5'],
  ['right, unicode minus', '\\boxed{\u22127}', '-7', 1, 'correct', '\u22127'],
  ['right, thin-space thousands', '\\boxed{7\\,500}', '7500', 1, 'correct', '7\\,500'],
  ['right, trailing period in box', '\\boxed{\\frac{1}{2}.}', '\\frac{1}{2}', 1, 'correct', '\\frac{1}{2}.'],
  ['right, units', '\\boxed{12\\text{ cm}}', '12', 1, 'correct', '12\\text{ cm}'],
  ['right, interval', '\\boxed{[0, 1)}', '[0,1)', 1, 'correct', '[0, 1)'],
  ['right, ground truth itself boxed', '\\boxed{5}', '\\boxed{5}', 1, 'correct', '5'],
  ['right, after think', '<think>maybe \\boxed{3}</think> \\boxed{4}', '4', 1, 'correct', '4'],
  ['wrong', '\\boxed{41}', '42', 0, 'incorrect', '41'],
  ['wrong, interval brackets', '\\boxed{(0,1)}', '[0,1)', 0, 'incorrect', '(0,1)'],
  ['wrong, beyond 2^53', '\\boxed{9007199254740992}', '9007199254740993', 0, 'incorrect', '9007199254740992'],
  ['wrong, only boxed inside think', '<think>\\boxed{4}</think> it is 4', '4', 0, 'no \\boxed answer', undefined],
  ['malformed, no box', 'The answer is 42.', '42', 0, 'no \\boxed answer', undefined],
  ['malformed, empty box', '\\boxed{}', '42', 0, 'empty \\boxed{}', undefined],
  ['malformed, unbalanced', '\\boxed{42', '42', 0, 'unbalanced braces in the last \\boxed', undefined],
  ['adversarial, two different boxes are a hedge (last right)', '\\boxed{1}\\boxed{2}', '2', 0, 'incorrect: several different boxed answers', '2'],
  ['adversarial, two different boxes are a hedge (first right)', '\\boxed{1}\\boxed{2}', '1', 0, 'incorrect: several different boxed answers', '2'],
  ['right, the same answer boxed twice in two notations', '\\boxed{0.5} so \\boxed{\\frac{1}{2}}', '1/2', 1, 'correct', '\\frac{1}{2}'],
  ['right, the echoed instruction box is ignored', '\\boxed{5}. (Put the final answer within \\boxed{}.)', '5', 1, 'correct', '5'],
  ['adversarial, broken last box does not fall back', '\\boxed{42} \\boxed{42', '42', 0, 'unbalanced braces in the last \\boxed', undefined],
  ['adversarial, import()', '\\boxed{import("fs")}', '2', 0, 'incorrect', 'import("fs")'],
  ['adversarial, evaluate()', "\\boxed{evaluate('1+1')}", '2', 0, 'incorrect', "evaluate('1+1')"],
  ['adversarial, 1e999999', '\\boxed{1e999999}', '10', 0, 'incorrect', '1e999999'],
  ['adversarial, 9^9^9^9', '\\boxed{9^9^9^9}', '9', 0, 'incorrect', '9^9^9^9'],
];

describe('boxedMath', () => {
  test.each(cases)('%s', (_name, completion, answer, value, reason, extracted) => {
    const r = boxedMath({ completion, answer });
    expect(r).toEqual({ value, reason, correct: value === 1, ...(extracted === undefined ? {} : { extracted }) });
  });

  test('params set the three reward levels', () => {
    const p = { correctReward: 2, incorrectReward: -0.5, missingReward: -1 };
    expect(boxedMath({ completion: '\\boxed{1}', answer: '1' }, p).value).toBe(2);
    expect(boxedMath({ completion: '\\boxed{2}', answer: '1' }, p).value).toBe(-0.5);
    expect(boxedMath({ completion: 'none', answer: '1' }, p).value).toBe(-1);
  });

  // Expected value for each hostile input with ground truth "42".
  // (A Map, not an object literal: 'constructor' is one of the hostile names.)
  const expected = new Map([['1 MB prose then a box', 1]]);
  test.each(Object.entries(hostile))('hostile: %s', (name, completion) => {
    const { result, ms } = timed(() => boxedMath({ completion, answer: '42' }));
    expect(result.value).toBe(expected.get(name) ?? 0);
    expect(result.correct).toBe(expected.get(name) === 1);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });

  test('300 nested braces around the answer still read as 42; 400 exceed the expression bound', () => {
    const nest = (k: number) => '\\boxed{' + '{'.repeat(k) + '42' + '}'.repeat(k) + '}';
    expect(boxedMath({ completion: nest(300), answer: '42' }).value).toBe(1);
    expect(boxedMath({ completion: nest(400), answer: '42' }).value).toBe(0);
  });

  test('never throws on non-string model output', () => {
    const r = boxedMath({ completion: undefined as unknown as string, answer: '1' });
    expect(r).toEqual({ value: 0, reason: 'no \\boxed answer', correct: false });
  });
});
