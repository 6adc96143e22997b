/**
 * Adversarial completions shared by the verifier tables: huge inputs, deep
 * nesting, unbalanced braces and strings aimed at mathjs. Every verifier must
 * return a finite value for each within TIME_LIMIT_MS and never throw.
 * Test data only; the expected values live in each verifier's own table.
 */
import { symbolicEqual } from '../../../main/rl/verifiers/math/symbolicEqual.js';

const MB = 1 << 20;

export const TIME_LIMIT_MS = 200;

export const hostile: Record<string, string> = {
  '1 MB prose then a box': 'a'.repeat(MB) + ' \\boxed{42}',
  '1 MB of open braces': '\\boxed{' + '{'.repeat(MB),
  '1 MB of \\boxed{': '\\boxed{'.repeat(MB / 7),
  '1 MB of backslashes': '\\'.repeat(MB),
  '1 MB of digits': '9'.repeat(MB),
  '1 MB of "answer "': 'answer '.repeat(MB / 7),
  '1 MB of spaces after "answer"': 'answer' + ' '.repeat(MB) + '1',
  '1 MB of </think>': '</think>'.repeat(MB / 8),
  '1 MB of <think>': '<think>'.repeat(MB / 7),
  'deeply nested braces (100k)': '\\boxed{' + '{'.repeat(100_000) + '42' + '}'.repeat(100_000) + '}',
  'unbalanced last box': '\\boxed{42} and then \\boxed{42',
  'empty box': '\\boxed{}',
  'import()': '\\boxed{import("fs")}',
  'evaluate()': "\\boxed{evaluate('1+1')}",
  '1e999999': '\\boxed{1e999999}',
  '9^9^9^9': '\\boxed{9^9^9^9}',
  '2^{10000}': '\\boxed{2^{10000}}',
  'assignment': '\\boxed{x=1;y=2}',
  'function definition': '\\boxed{f(x)=x^2}',
  'matrix': '\\boxed{[1,2;3,4]}',
  'string': '\\boxed{"abc"}',
  'division by zero': '\\boxed{\\frac{1}{0}}',
  '1000 nested parentheses': '\\boxed{' + '('.repeat(500) + '42' + ')'.repeat(500) + '}',
  '1000-character answer of units': '\\boxed{' + '1 cm '.repeat(200) + '}',
  'constructor': '\\boxed{constructor}',
  '__proto__': '\\boxed{__proto__}',
};

let warmed = false;

/**
 * Elapsed milliseconds of fn (test-side timing; main/rl itself has no clock). The budgets are per
 * comparison, so the one-time load of mathjs (on a process's first symbolic comparison,
 * symbolicEqual.ts) is paid before the first measurement, not inside it.
 */
export function timed<T>(fn: () => T): { result: T; ms: number } {
  if (!warmed) { symbolicEqual('x', 'x'); warmed = true; }
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0 };
}
