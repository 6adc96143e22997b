import { describe, expect, test } from 'vitest';
import { scoreCompletion, type RewardSpec } from '../../../main/rl/verifiers/scoreCompletion.js';
import { getVerifier, verifiers } from '../../../main/rl/verifiers/verifiers.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

const MATH: RewardSpec = {
  components: [
    { name: 'boxedMath', weight: 1 },
    { name: 'format', weight: 0.1 },
    { name: 'overlong', weight: 1 },
  ],
};

describe('verifier registry', () => {
  test('lists every verifier', () => {
    expect(Object.keys(verifiers).sort()).toEqual(
      ['boxedMath', 'exactMatch', 'format', 'gsm8k', 'lengthPenalty', 'multipleChoice', 'overlong',
        'length', 'regexMatch', 'jsonSchema', 'customJs', 'customJsShaping'].sort(),
    );
  });

  test.each([
    ['boxedMath', 'answer'],
    ['gsm8k', 'answer'],
    ['multipleChoice', 'answer'],
    ['exactMatch', 'answer'],
    ['format', 'shaping'],
    ['overlong', 'shaping'],
    ['lengthPenalty', 'shaping'],
    ['length', 'shaping'],
    ['regexMatch', 'shaping'],
    ['jsonSchema', 'shaping'],
    ['customJs', 'answer'],
    ['customJsShaping', 'shaping'],
  ] as const)('%s is an %s verifier', (name, kind) => {
    expect(getVerifier(name).kind).toBe(kind);
  });

  test('an unknown name lists the valid ones', () => {
    expect(() => getVerifier('boxed')).toThrow(
      'Unknown verifier "boxed". Valid verifiers: boxedMath, gsm8k, multipleChoice, exactMatch, format, overlong, lengthPenalty, length, regexMatch, jsonSchema, customJs, customJsShaping',
    );
    expect(() => getVerifier('constructor')).toThrow(/Unknown verifier "constructor"/);
  });

  test('defaults are exposed and frozen', () => {
    expect(verifiers.overlong.defaults).toEqual({ bufferTokens: 0, bufferFraction: 0.2, penaltyFactor: 1, maxTokens: 0 });
    expect(Object.isFrozen(verifiers.boxedMath.defaults)).toBe(true);
  });
});

describe('scoreCompletion', () => {
  // [case, completion, completionTokens, total, correct]
  const cases: [string, string, number, number, boolean][] = [
    ['right and well formatted', '<think>2+2</think> $\\boxed{4}$', 100, 1.1, true],
    ['right, trailing text', '\\boxed{4} since 2+2=4', 100, 1, true],
    ['right but in the overlong buffer', '\\boxed{4}', 900, 0.6, true],
    ['wrong but well formatted', '\\boxed{5}', 100, 0.1, false],
    ['nothing', 'four', 1000, -1, false],
  ];
  test.each(cases)('%s', (_name, completion, completionTokens, total, correct) => {
    const s = scoreCompletion(MATH, { completion, answer: '4', completionTokens, maxTokens: 1000 });
    expect(s.total).toBeCloseTo(total, 12);
    expect(s.correct).toBe(correct);
    expect(Object.keys(s.components)).toEqual(['boxedMath', 'format', 'overlong']);
  });

  test('components carry value and reason', () => {
    const s = scoreCompletion(MATH, { completion: '\\boxed{5}', answer: '4', completionTokens: 100, maxTokens: 1000 });
    expect(s.components).toEqual({
      boxedMath: { value: 0, reason: 'incorrect' },
      format: { value: 1, reason: 'format ok' },
      overlong: { value: 0, reason: 'overlong: within budget' },
    });
  });

  test('params reach the verifier', () => {
    const spec: RewardSpec = { components: [{ name: 'exactMatch', weight: 2, params: { partialCredit: true } }] };
    expect(scoreCompletion(spec, { completion: '4x', answer: '42' })).toEqual({
      total: 1,
      components: { exactMatch: { value: 0.5, reason: 'partial: 1/2 characters' } },
      correct: false,
    });
  });

  test('a repeated name keeps both components', () => {
    const spec: RewardSpec = {
      components: [
        { name: 'format', weight: 1 },
        { name: 'format', weight: 1, params: { think: 'required' } },
      ],
    };
    const s = scoreCompletion(spec, { completion: '\\boxed{1}', answer: '1' });
    expect(s.components).toEqual({
      format: { value: 1, reason: 'format ok' },
      'format#2': { value: 0, reason: 'format: failed think tags' },
    });
    expect(s.total).toBe(1);
  });

  test('correct needs every answer component', () => {
    const spec: RewardSpec = {
      components: [
        { name: 'boxedMath', weight: 1 },
        { name: 'exactMatch', weight: 1 },
      ],
    };
    expect(scoreCompletion(spec, { completion: '\\boxed{4}', answer: '4' }).correct).toBe(false);
    expect(scoreCompletion(spec, { completion: '4 \\boxed{4}', answer: '4' }).correct).toBe(true);
  });

  test('shaping-only spec is never correct; empty spec scores 0', () => {
    expect(scoreCompletion({ components: [{ name: 'format', weight: 1 }] }, { completion: '\\boxed{4}', answer: '4' })).toEqual({
      total: 1,
      components: { format: { value: 1, reason: 'format ok' } },
      correct: false,
    });
    expect(scoreCompletion({ components: [] }, { completion: '', answer: '' })).toEqual({ total: 0, components: {}, correct: false });
  });

  test('an unknown component name throws (a recipe error, not model output)', () => {
    expect(() => scoreCompletion({ components: [{ name: 'nope' as never, weight: 1 }] }, { completion: '', answer: '' })).toThrow(
      /Valid verifiers: boxedMath/,
    );
  });

  test('a non-finite weight throws', () => {
    expect(() => scoreCompletion({ components: [{ name: 'format', weight: Number.NaN }] }, { completion: '', answer: '' })).toThrow(
      'Reward component "format" has a non-finite weight (NaN)',
    );
  });

  test.each(Object.entries(hostile))('hostile: %s never throws, all components finite', (_name, completion) => {
    const spec: RewardSpec = { components: Object.keys(verifiers).map((name) => ({ name: name as keyof typeof verifiers, weight: 1 })) };
    const { result, ms } = timed(() => scoreCompletion(spec, { completion, answer: '42', completionTokens: 10, maxTokens: 100 }));
    expect(Number.isFinite(result.total)).toBe(true);
    expect(Object.keys(result.components)).toHaveLength(Object.keys(verifiers).length);
    // Each verifier reads the text once; the budget is per verifier.
    expect(ms).toBeLessThan(Object.keys(verifiers).length * TIME_LIMIT_MS);
  });
});
