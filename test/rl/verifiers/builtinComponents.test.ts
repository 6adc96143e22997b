import { describe, expect, test } from 'vitest';
import { exactMatch } from '../../../main/rl/verifiers/exactMatch.js';
import { jsonSchema } from '../../../main/rl/verifiers/jsonSchema.js';
import { lengthRange } from '../../../main/rl/verifiers/lengthRange.js';
import { verifiers } from '../../../main/rl/verifiers/verifiers.js';
import { hostile, TIME_LIMIT_MS, timed } from './hostileInputs.js';

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
    role: { enum: ['admin', 'user'] },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('jsonSchema', () => {
  test.each([
    ['valid', '{"name":"Ada","age":36}', 1, 'json: valid'],
    ['valid in a ```json fence after thinking', '<think>hmm {</think>Here:\n```json\n{"name":"Ada","age":36,"tags":["x"]}\n```', 1, 'json: valid'],
    ['not JSON', 'name: Ada', 0, /not valid JSON/],
    ['missing required', '{"name":"Ada"}', 0, 'json: $ is missing "age"'],
    ['wrong type', '{"name":"Ada","age":"36"}', 0, 'json: $.age should be integer, not string'],
    ['not an integer', '{"name":"Ada","age":36.5}', 0, 'json: $.age should be integer, not number'],
    ['below minimum', '{"name":"Ada","age":-1}', 0, 'json: $.age is below 0'],
    ['empty string', '{"name":"","age":1}', 0, 'json: $.name is shorter than 1'],
    ['extra property', '{"name":"Ada","age":1,"x":2}', 0, 'json: $ has an unexpected property "x"'],
    ['bad item', '{"name":"Ada","age":1,"tags":[1]}', 0, 'json: $.tags[0] should be string, not number'],
    ['too many items', '{"name":"Ada","age":1,"tags":["a","b","c","d"]}', 0, 'json: $.tags has more than 3 items'],
    ['enum', '{"name":"Ada","age":1,"role":"root"}', 0, /\$\.role should be one of/],
    ['an array is not an object', '[1]', 0, 'json: $ should be object, not array'],
  ])('%s', (_n, completion, value, reason) => {
    const r = jsonSchema({ completion, answer: '' }, { schema: PERSON });
    expect(r.value).toBe(value);
    if (typeof reason === 'string') expect(r.reason).toBe(reason);
    else expect(r.reason).toMatch(reason);
  });
  test('{} accepts any valid JSON and nothing else', () => {
    expect(jsonSchema({ completion: '3', answer: '' }).value).toBe(1);
    expect(jsonSchema({ completion: 'three', answer: '' }).value).toBe(0);
  });
  test('an unsupported keyword is refused with a reason, not ignored', () => {
    const r = jsonSchema({ completion: '"abc"', answer: '' }, { schema: { type: 'string', pattern: '^a' } });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/pattern is not supported/);
  });
  test.each(Object.entries(hostile))('hostile: %s', (_n, completion) => {
    const { result, ms } = timed(() => jsonSchema({ completion, answer: '' }, { schema: PERSON }));
    expect(result.value).toBe(0);
    expect(ms).toBeLessThan(TIME_LIMIT_MS);
  });
});

describe('length', () => {
  test.each([
    [{ unit: 'words', min: 2, max: 4 }, 'one two three', 1],
    [{ unit: 'words', min: 2, max: 4 }, 'one', 0],
    [{ unit: 'words', min: 2, max: 4 }, 'a b c d e', 0],
    [{ unit: 'chars', min: 0, max: 3 }, 'héé', 1],
    [{ unit: 'chars', min: 0, max: 0 }, 'x'.repeat(10_000), 1],
    [{ unit: 'words', min: 1, max: 1, target: 'answer' }, '<think>long thoughts here</think> 42', 1],
    [{ unit: 'tokens', min: 1, max: 10 }, 'x', 1],
  ] as const)('%j on %s', (params, completion, value) => {
    expect(lengthRange({ completion, answer: '', completionTokens: 5 }, params).value).toBe(value);
  });
  test('tokens without a count give 0 and say so', () => {
    expect(lengthRange({ completion: 'x', answer: '' }, { unit: 'tokens' })).toEqual({ value: 0, reason: 'length: no token count' });
  });
});

describe('exactMatch boundary (the "94" graded correct for 9 bug)', () => {
  test.each([
    ['94', '9', 0],
    ['9.4', '9', 0],
    ['9,400', '9', 0],
    ['9', '9', 1],
    ['9.', '9', 1],
    ['9 apples', '9', 1],
    ['Bob', 'B', 0],
    ['B.', 'B', 1],
    ['42', '42', 1],
  ])('%s for %s', (completion, answer, value) => {
    expect(exactMatch({ completion, answer }).value).toBe(value);
  });
  test('boundary false keeps the demo task\'s plain prefix rule', () => {
    expect(exactMatch({ completion: 'AB', answer: 'A' }, { boundary: false }).value).toBe(1);
  });
});

describe('registry documentation', () => {
  test.each(Object.entries(verifiers))('%s documents every parameter', (_name, v) => {
    expect(v.doc.summary.length).toBeGreaterThan(20);
    expect(Object.keys(v.doc.params).sort()).toEqual(Object.keys(v.defaults).sort());
    for (const [k, d] of Object.entries(v.doc.params)) {
      expect(d.help.length, k).toBeGreaterThan(5);
      if (d.type === 'enum') expect(d.options, k).toContain((v.defaults as Record<string, unknown>)[k]);
    }
  });
});
