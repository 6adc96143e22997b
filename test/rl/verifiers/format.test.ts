import { describe, expect, test } from 'vitest';
import { format, type FormatParams } from '../../../main/rl/verifiers/format.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

// [case, completion, params, value, reason]
const cases: [string, string, Partial<FormatParams>, number, string][] = [
  ['right, box at end', 'so the answer is $\\boxed{4}$.', {}, 1, 'format ok'],
  ['right, think then box', '<think>2+2</think>\n\\boxed{4}', { think: 'required' }, 1, 'format ok'],
  ['right, think opened in the prompt', 'reasoning</think> \\boxed{4}', { think: 'required' }, 1, 'format ok'],
  ['right, display math close', '\\[\\boxed{4}\\]', {}, 1, 'format ok'],
  ['right, \\boxed 5 form', 'so $\\boxed 5$', {}, 1, 'format ok'],
  ['right, box anywhere when not required at end', '\\boxed{4} because 2+2', { boxedAtEnd: false }, 1, 'format ok'],
  ['right, boxes ignored', 'just text', { boxed: 'off' }, 1, 'format ok'],
  ['right, two boxes allowed with any', '\\boxed{1} or \\boxed{2}', { boxed: 'any' }, 1, 'format ok'],
  ['right, box inside think not counted', '<think>\\boxed{3}</think>\\boxed{4}', {}, 1, 'format ok'],
  ['wrong, no box', 'the answer is 4', {}, 0, 'format: failed boxed answer, box at end'],
  ['wrong, text after box', '\\boxed{4} because 2+2', {}, 0, 'format: failed box at end'],
  ['wrong, two boxes', '\\boxed{1} or \\boxed{2}', {}, 0, 'format: failed boxed answer'],
  ['wrong, think missing', '\\boxed{4}', { think: 'required' }, 0, 'format: failed think tags'],
  ['wrong, think forbidden', '<think>x</think>\\boxed{4}', { think: 'forbidden' }, 0, 'format: failed think tags'],
  ['malformed, two closing tags', '<think>a</think>b</think>\\boxed{4}', {}, 0, 'format: failed think tags'],
  ['malformed, open tag after close', 'a</think><think>\\boxed{4}', {}, 0, 'format: failed think tags'],
  ['malformed, text before <think>', 'hi <think>a</think>\\boxed{4}', { think: 'required' }, 0, 'format: failed think tags'],
  ['malformed, empty box', '\\boxed{}', {}, 0, 'format: failed boxed answer, box at end'],
  ['malformed, unbalanced box', '\\boxed{4', {}, 0, 'format: failed boxed answer, box at end'],
  ['partial credit, 2 of 3 checks', '\\boxed{4} because', { partialCredit: true }, 2 / 3, 'format: failed box at end'],
  ['partial credit, scaled reward', 'no box', { partialCredit: true, reward: 0.3 }, 0.1, 'format: failed boxed answer, box at end'],
];

describe('format', () => {
  test.each(cases)('%s', (_name, completion, params, value, reason) => {
    const r = format({ completion, answer: '' }, params);
    expect(r.value).toBeCloseTo(value, 12);
    expect(r.reason).toBe(reason);
    expect(r.correct).toBeUndefined();
  });

  // Format does not judge the content: one balanced, non-empty box (of any length) at the
  // end is right, whatever is inside. (A Set, not an object: 'constructor' is a hostile name.)
  const wellFormed = new Set([
    '1 MB prose then a box', 'import()', 'evaluate()', '1e999999', '9^9^9^9', '2^{10000}', 'assignment',
    'function definition', 'matrix', 'string', 'division by zero', '1000-character answer of units',
    'constructor', '__proto__', 'deeply nested braces (100k)', '1000 nested parentheses',
  ]);
  test.each(Object.entries(hostile))('hostile: %s', (name, completion) => {
    const { result, ms } = timed(() => format({ completion, answer: '' }));
    expect(result.value).toBe(wellFormed.has(name) ? 1 : 0);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});
