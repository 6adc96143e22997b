import { describe, expect, test } from 'vitest';
import { gsm8k } from '../../../main/rl/verifiers/gsm8k.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

const SOLUTION = 'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72 clips.\n#### 72';

// [case, completion, ground truth, value, reason, extracted]
const cases: [string, string, string, number, string, string | undefined][] = [
  ['right, boxed, full solution as truth', 'So \\boxed{72}.', SOLUTION, 1, 'correct (boxed)', '72'],
  ['right, boxed, bare truth', '\\boxed{72}', '72', 1, 'correct (boxed)', '72'],
  ['right, thousands in truth', '\\boxed{1234}', '#### 1,234', 1, 'correct (boxed)', '1234'],
  ['right, dollars and commas in box', '\\boxed{\\$1,234.00}', '#### 1234', 1, 'correct (boxed)', '\\$1,234.00'],
  ['right, #### in completion', 'She sold 72 clips.\n#### 72', SOLUTION, 1, 'correct (####)', '72'],
  ['right, last number fallback', 'First 48, then 24, total 72 clips.', SOLUTION, 1, 'correct (last number)', '72'],
  ['right, last number with commas', 'It costs $1,234.', '1234', 1, 'correct (last number)', '1234'],
  ['right, negative with unicode minus', 'the change is \u22125 degrees', '-5', 1, 'correct (last number)', '-5'],
  ['right, after think', '<think>maybe 70</think> 72', '72', 1, 'correct (last number)', '72'],
  ['wrong, boxed', '\\boxed{70}', SOLUTION, 0, 'incorrect (boxed)', '70'],
  ['wrong, box beats a later number', '\\boxed{70} (not 72)', SOLUTION, 0, 'incorrect (boxed)', '70'],
  ['wrong, last number', 'It is 72, no wait, 73', SOLUTION, 0, 'incorrect (last number)', '73'],
  ['wrong, decimal is not the integer', '\\boxed{72.5}', '72', 0, 'incorrect (boxed)', '72.5'],
  ['malformed, no number', 'I do not know.', SOLUTION, 0, 'no answer found', undefined],
  ['malformed, empty box', '\\boxed{} 72', SOLUTION, 0, 'no answer found', undefined],
  ['malformed, unbalanced box', '72 \\boxed{72', SOLUTION, 0, 'no answer found', undefined],
  ['adversarial, two different boxes are a hedge', '\\boxed{72}\\boxed{71}', '72', 0, 'incorrect: several different boxed answers', '71'],
  ['adversarial, import()', '\\boxed{import("fs")}', '72', 0, 'incorrect (boxed)', 'import("fs")'],
  ['adversarial, 9^9^9^9', '\\boxed{9^9^9^9}', '72', 0, 'incorrect (boxed)', '9^9^9^9'],
];

describe('gsm8k', () => {
  test.each(cases)('%s', (_name, completion, answer, value, reason, extracted) => {
    expect(gsm8k({ completion, answer })).toEqual({
      value,
      reason,
      correct: value === 1,
      ...(extracted === undefined ? {} : { extracted }),
    });
  });

  test("strict mode needs a box or ####", () => {
    expect(gsm8k({ completion: 'total 72', answer: '72' }, { mode: 'strict' })).toEqual({
      value: 0,
      reason: 'no answer found (strict: needs \\boxed{} or ####)',
      correct: false,
    });
  });

  test('incorrectReward is paid for a found but wrong answer', () => {
    expect(gsm8k({ completion: '\\boxed{1}', answer: '72' }, { incorrectReward: 0.1 }).value).toBe(0.1);
  });

  const expected = new Map([['1 MB prose then a box', 1]]);
  test.each(Object.entries(hostile))('hostile: %s', (name, completion) => {
    const { result, ms } = timed(() => gsm8k({ completion, answer: '#### 42' }));
    expect(result.value).toBe(expected.get(name) ?? 0);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
