/**
 * The QuickJS sandbox for user reward code: what it refuses (no require,
 * process, fetch, import, host escapes), its limits (time, memory, stack) and
 * that every failure scores that completion 0 with a reason in bounded time.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeRewardSandbox, loadRewardSandbox } from '../../main/rewards/quickjsRunner.js';
import { customJs, customJsShaping } from '../../main/rl/verifiers/customJs.js';
import { regexMatch } from '../../main/rl/verifiers/regexMatch.js';
import { scoreCompletion } from '../../main/rl/verifiers/scoreCompletion.js';

beforeAll(async () => {
  await loadRewardSandbox();
  // The first calls on a loaded 2-core machine pay for wasm tier-up: not what these tests measure.
  for (let i = 0; i < 5; i++) customJs({ completion: 'a', answer: 'a' }, { code: 'function reward(c, a) { return c.endsWith(a) ? 1 : 0; }', timeoutMs: 1000 });
});
afterAll(async () => {
  await closeRewardSandbox();
});

const run = (code: string, completion = 'the answer is 42', answer = '42', extra: Record<string, unknown> = {}) => {
  const t0 = performance.now();
  const r = customJs({ completion, answer, completionTokens: 7, maxTokens: 64 }, { code, ...extra });
  return { ...r, ms: performance.now() - t0 };
};

describe('customJs: results', () => {
  test('a number is the value; correct when >= correctAt', () => {
    expect(run('function reward(c, a) { return c.endsWith(a) ? 1 : 0.25; }')).toMatchObject({ value: 1, correct: true });
    expect(run('function reward(c, a) { return c.endsWith(a) ? 1 : 0.25; }', 'no', '42')).toMatchObject({ value: 0.25, correct: false });
  });
  test('an object gives value, reason and correct', () => {
    const r = run('function reward(c, a, info) { return { value: info.completionTokens / info.maxTokens, reason: "ratio", correct: true }; }');
    expect(r).toMatchObject({ value: 7 / 64, reason: 'ratio', correct: true });
  });
  test('arguments arrive as copies: choices, truncated', () => {
    const r = customJs({ completion: 'x', answer: 'B', choices: ['p', 'q'], truncated: true },
      { code: 'function reward(c, a, info) { return info.choices.length + (info.truncated ? 10 : 0); }' });
    expect(r.value).toBe(12);
  });
  test.each([
    ['a string', 'function reward() { return "1"; }', /returned string/],
    ['NaN', 'function reward() { return NaN; }', /not a finite number/], // JSON turns NaN into null
    ['Infinity', 'function reward() { return Infinity; }', /not a finite number/],
    ['undefined', 'function reward() {}', /returned undefined/],
    ['a Promise', 'async function reward() { return 1; }', /not a finite number/],
    ['an array', 'function reward() { return [1]; }', /not a finite number/],
    ['a throw', 'function reward() { throw new Error("boom"); }', /boom/],
    ['a syntax error', 'function reward( {', /SyntaxError/],
    ['no reward function', 'function score() { return 1; }', /must define function reward/],
    ['empty code', '   ', /no code/],
  ])('%s scores 0 with a reason', (_n, code, reason) => {
    const r = run(code);
    expect(r.value).toBe(0);
    expect(r.correct).toBe(false);
    expect(r.reason).toMatch(reason);
  });
});

describe('customJs: limits', () => {
  test('an infinite loop is interrupted at the time limit', () => {
    const r = run('function reward() { for (;;) {} }', 'x', 'y', { timeoutMs: 50 });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/interrupted/i);
    expect(r.ms).toBeLessThan(1000);
  });
  test('a loop in top-level code is interrupted too', () => {
    const r = run('while (true) {} function reward() { return 1; }', 'x', 'y', { timeoutMs: 30 });
    expect(r.value).toBe(0);
    expect(r.ms).toBeLessThan(1000);
  });
  test('a huge allocation hits the memory limit', () => {
    const r = run('function reward() { const a = []; for (let i = 0; i < 1e9; i++) a.push(new Array(1e5).fill(i)); return 1; }', 'x', 'y', { memoryMB: 8, timeoutMs: 1000 });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/memory|interrupted/i);
    expect(r.ms).toBeLessThan(1000 + 1000 + 1000);
  });
  test('typed arrays (outside the QuickJS heap accounting) are stopped by the hard time limit', () => {
    expect(run('function reward() { return 1; }').value).toBe(1); // a booted sandbox (the test before replaced it)
    const r = run('function reward() { const a = []; for (;;) a.push(new Float64Array(1e5)); }', 'x', 'y', { memoryMB: 8, timeoutMs: 100 });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/memory|interrupted/i);
    expect(r.ms).toBeLessThan(100 + 1000 + 1000);
  });
  test('after a killed call the next one starts a fresh sandbox and works', () => {
    run('function reward() { for (;;) new Float64Array(1e6); }', 'x', 'y', { timeoutMs: 20 });
    expect(run('function reward() { return 0.5; }').value).toBe(0.5);
  });
  test('a huge string hits the memory limit', () => {
    const r = run('function reward() { let s = "x"; for (;;) s += s; }', 'x', 'y', { memoryMB: 4, timeoutMs: 1000 });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/memory|range|interrupted|too long/i);
  });
  test('deep recursion hits the stack limit', () => {
    const r = run('function f(n) { return f(n + 1) + 1; } function reward() { return f(0); }');
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/stack|recursion|RangeError|InternalError/i);
  });
  test('limits are capped: a timeout of an hour runs at most a second', () => {
    const r = run('function reward() { for (;;) {} }', 'x', 'y', { timeoutMs: 3_600_000 });
    expect(r.value).toBe(0);
    expect(r.ms).toBeLessThan(1000 + 1000 + 1000);
  });
  test('the sandbox is fresh per call: state does not leak between completions', () => {
    const code = 'globalThis.n = (globalThis.n || 0) + 1; function reward() { return globalThis.n; }';
    expect(run(code).value).toBe(1);
    expect(run(code).value).toBe(1);
  });
});

describe('customJs: no way out', () => {
  test.each([
    ['require', 'function reward() { return require("fs") ? 1 : 0; }'],
    ['process', 'function reward() { return process.pid; }'],
    ['fetch', 'function reward() { fetch("http://127.0.0.1/"); return 1; }'],
    ['XMLHttpRequest', 'function reward() { new XMLHttpRequest(); return 1; }'],
    ['setTimeout', 'function reward() { setTimeout(() => 0, 1); return 1; }'],
    ['Function constructor to the host', 'function reward() { return Function("return process")().pid; }'],
    ['constructor chain', 'function reward() { return (() => 0).constructor("return require")()("fs") ? 1 : 0; }'],
    ['globalThis.process', 'function reward() { return globalThis.process.env ? 1 : 0; }'],
    ['std / os modules', 'function reward() { return std.loadFile("/etc/passwd").length + os.getpid(); }'],
    ['import()', 'function reward() { import("fs"); return typeof require; }'],
  ])('%s is not reachable', (_n, code) => {
    const r = run(code);
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/not defined|not a function|undefined|cannot|not supported|returned string|null|could not load|module/i);
  });
  test('a static import finds no module loader', () => {
    expect(run('import fs from "fs"; function reward() { return 1; }').reason).toMatch(/SyntaxError|could not load module/);
  });
  test('the guest sees only ECMAScript built-ins', () => {
    const r = customJsShaping({ completion: '', answer: '' }, {
      code: 'function reward() { const host = ["require","process","fetch","module","exports","Buffer","__dirname","std","os","setTimeout","WebAssembly"].filter((k) => typeof globalThis[k] !== "undefined"); return { value: host.length, reason: host.join(",") }; }',
    });
    expect(r).toEqual({ value: 0, reason: '' });
  });
});

describe('a failing custom component never stops scoring', () => {
  test('scoreCompletion sums the other components and reports the failure', () => {
    const s = scoreCompletion({ components: [
      { name: 'boxedMath', weight: 1 },
      { name: 'customJsShaping', weight: 0.5, params: { code: 'function reward() { for (;;) {} }', timeoutMs: 20 } },
    ] }, { completion: '\\boxed{4}', answer: '4' });
    expect(s.total).toBe(1);
    expect(s.correct).toBe(true);
    expect(s.components.customJsShaping!.reason).toMatch(/interrupted/i);
  });
  test('100 looping completions cost about 100 time limits, not more', () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) customJs({ completion: 'x', answer: 'y' }, { code: 'function reward() { for (;;) {} }', timeoutMs: 5 });
    expect(performance.now() - t0).toBeLessThan(100 * 5 + 5000);
  });
});

describe('regexMatch', () => {
  test.each([
    ['match', { pattern: '^Answer: \\d+$', flags: 'm' }, 'Work.\nAnswer: 42', 1],
    ['no match', { pattern: '^Answer: \\d+$', flags: 'm' }, 'Work.\nAnswer: forty', 0],
    ['ignore case', { pattern: 'answer', flags: 'i' }, 'ANSWER', 1],
    ['{answer} is the escaped truth', { pattern: '\\\\boxed\\{{answer}\\}' }, 'so \\boxed{1+1}', 1],
    ['{answer} does not match another answer', { pattern: '\\\\boxed\\{{answer}\\}' }, 'so \\boxed{11}', 0],
    ['noMatch rewards absence', { pattern: 'sorry', expect: 'noMatch' }, 'the answer is 2', 1],
    ['target answer skips thinking', { pattern: 'maybe' }, '<think>maybe</think> 2', 0],
    ['target completion includes thinking', { pattern: 'maybe', target: 'completion' }, '<think>maybe</think> 2', 1],
  ] as const)('%s', (_n, params, completion, value) => {
    expect(regexMatch({ completion, answer: '1+1' }, params).value).toBe(value);
  });
  test('an invalid pattern scores 0 with the reason', () => {
    const r = regexMatch({ completion: 'x', answer: '' }, { pattern: '(' });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/SyntaxError|regex failed/);
  });
  test('catastrophic backtracking is interrupted in bounded time', () => {
    const t0 = performance.now();
    const r = regexMatch({ completion: 'a'.repeat(40) + '!', answer: '' }, { pattern: '^(a+)+$', timeoutMs: 50 });
    expect(r.value).toBe(0);
    expect(r.reason).toMatch(/interrupted/i);
    expect(performance.now() - t0).toBeLessThan(1500);
  });
});
