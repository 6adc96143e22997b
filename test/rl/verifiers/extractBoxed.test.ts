import { describe, expect, test } from 'vitest';
import { afterThink } from '../../../main/rl/verifiers/math/afterThink.js';
import { extractBoxed, type BoxedExtraction } from '../../../main/rl/verifiers/math/extractBoxed.js';

const cases: [string, BoxedExtraction][] = [
  ['so \\boxed{42}.', { status: 'ok', content: '42' }],
  ['\\boxed{1}\\boxed{2}', { status: 'ok', content: '2' }],
  ['\\boxed{\\frac{1}{2}}', { status: 'ok', content: '\\frac{1}{2}' }],
  ['\\boxed{ {a}{b{c}} }', { status: 'ok', content: '{a}{b{c}}' }],
  ['\\boxed{\\{1,2\\}}', { status: 'ok', content: '\\{1,2\\}' }],
  ['\\fbox{7}', { status: 'ok', content: '7' }],
  ['\\boxed{1} then \\fbox{3}', { status: 'ok', content: '3' }],
  ['$\\boxed 5$', { status: 'ok', content: '5' }],
  ['\\boxed 5 apples', { status: 'ok', content: '5' }],
  ['no box here', { status: 'none' }],
  ['\\boxedx{5}', { status: 'none' }],
  ['\\boxed5', { status: 'none' }],
  ['\\boxed{}', { status: 'empty' }],
  ['\\boxed{   }', { status: 'empty' }],
  ['\\boxed{1', { status: 'unbalanced' }],
  ['\\boxed{1}\\boxed{2', { status: 'unbalanced' }],
  ['\\boxed{' + 'x'.repeat(5000) + '}', { status: 'ok', content: 'x'.repeat(5000) }],
];

describe('extractBoxed', () => {
  test.each(cases)('%s', (text, expected) => {
    expect(extractBoxed(text)).toEqual(expected);
  });
});

describe('afterThink', () => {
  test.each([
    ['<think>\\boxed{1}</think>\\boxed{2}', '\\boxed{2}'],
    ['<think>a</think>b</think>c', 'c'],
    ['<think>never closed \\boxed{1}', '<think>never closed \\boxed{1}'],
    ['plain', 'plain'],
  ])('%s', (text, expected) => {
    expect(afterThink(text)).toBe(expected);
  });
});
