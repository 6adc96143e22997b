import { describe, expect, test } from 'vitest';
import { multipleChoice } from '../../../main/rl/verifiers/multipleChoice.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

const CHOICES = ['Paris', 'London', 'Rome', 'Berlin'];

// [case, completion, ground truth, choices?, value, extracted letter or undefined]
const cases: [string, string, string, string[] | undefined, number, string | undefined][] = [
  ['right, "(B)"', '(B)', 'B', undefined, 1, 'B'],
  ['right, "B."', 'B.', 'B', undefined, 1, 'B'],
  ['right, "B)"', 'B)', 'B', undefined, 1, 'B'],
  ['right, "b"', 'b', 'B', undefined, 1, 'B'],
  ['right, "(b)"', '(b)', 'B', undefined, 1, 'B'],
  ['right, "B) text"', 'B) London', 'B', CHOICES, 1, 'B'],
  ['right, "B. text"', 'B. London is the capital', 'B', CHOICES, 1, 'B'],
  ['right, "The answer is B"', 'Thinking... The answer is B', 'B', undefined, 1, 'B'],
  ['right, "Answer: (C)"', 'Answer: (C)', 'C', undefined, 1, 'C'],
  ['right, "the answer is c."', 'so the answer is c.', 'C', undefined, 1, 'C'],
  ['right, \\boxed{B}', 'so \\boxed{B}', 'B', undefined, 1, 'B'],
  ['right, \\boxed{\\text{(B)}}', '\\boxed{\\text{(B)}}', 'B', undefined, 1, 'B'],
  ['right, \\boxed{B Paris}', '\\boxed{A Paris}', 'A', CHOICES, 1, 'A'],
  ['right, boxed option text', '\\boxed{Rome}', 'C', CHOICES, 1, 'C'],
  ['right, option text as the whole answer', 'Berlin', 'D', CHOICES, 1, 'D'],
  ['right, truth given as option text', '(C)', 'Rome', CHOICES, 1, 'C'],
  ['right, truth "(D)"', 'D', '(D)', undefined, 1, 'D'],
  ['right, after think', '<think>maybe A</think>The answer is D', 'D', undefined, 1, 'D'],
  ['right, E', 'E', 'E', undefined, 1, 'E'],
  ['wrong letter', '(A)', 'B', undefined, 0, 'A'],
  ['wrong, last phrase wins', 'The answer is B. Actually, the answer is C', 'B', undefined, 0, 'C'],
  ['wrong, box beats a phrase', 'the answer is B \\boxed{A}', 'B', undefined, 0, 'A'],
  ['malformed, no letter', 'I am not sure.', 'B', undefined, 0, undefined],
  ['malformed, F is not a choice', 'F', 'B', undefined, 0, undefined],
  ['malformed, D beyond 3 choices', 'D', 'A', ['x', 'y', 'z'], 0, undefined],
  ['malformed, empty box', '\\boxed{}', 'B', undefined, 0, undefined],
  ['adversarial, article "a" is not A', 'a good question', 'A', undefined, 0, undefined],
  ['adversarial, "A good choice is C" is not A', 'A good choice is C', 'A', undefined, 0, undefined],
  ['adversarial, "the answer is a bit unclear"', 'the answer is a bit unclear', 'A', undefined, 0, undefined],
  ['adversarial, two boxes naming different options are a hedge', '\\boxed{B}\\boxed{C}', 'C', undefined, 0, undefined],
  ['right, the same option boxed twice', '\\boxed{C} ... \\boxed{(C)}', 'C', undefined, 1, 'C'],
];

describe('multipleChoice', () => {
  test.each(cases)('%s', (_name, completion, answer, choices, value, extracted) => {
    const r = multipleChoice(choices ? { completion, answer, choices } : { completion, answer });
    expect(r.value).toBe(value);
    expect(r.correct).toBe(value === 1);
    expect(r.extracted).toBe(extracted);
  });

  test('an unusable ground truth gives 0 with a reason', () => {
    expect(multipleChoice({ completion: 'A', answer: 'Madrid', choices: CHOICES })).toEqual({
      value: 0,
      reason: 'ground truth is not a valid choice',
      correct: false,
    });
  });

  test('the reason names both letters on a miss', () => {
    expect(multipleChoice({ completion: '(A)', answer: 'B' }).reason).toBe('incorrect (chose A, expected B)');
  });

  test.each(Object.entries(hostile))('hostile: %s', (_name, completion) => {
    const { result, ms } = timed(() => multipleChoice({ completion, answer: 'B' }));
    expect(result.value).toBe(0);
    expect(result.correct).toBe(false);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
