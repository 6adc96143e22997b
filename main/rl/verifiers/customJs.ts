/**
 * A reward function the user writes in JavaScript, run in the QuickJS sandbox
 * (jsSandbox.ts; no file system, network, process, require or import; time
 * and memory limits per completion):
 *
 *   function reward(completion, answer, info) { return 1; }
 *
 * `info` is { choices, completionTokens, maxTokens, truncated }. The function
 * returns a finite number, or { value, reason?, correct? }. Anything else (a
 * throw, a loop past timeoutMs, an allocation past memoryMB, NaN, a string, a
 * Promise) scores 0 with the reason, and the run goes on.
 *
 * Two registry entries share this body: `customJs` is an answer component (its
 * verdict decides accuracy: `correct` when returned, else value >= correctAt),
 * `customJsShaping` a shaping term that never affects accuracy.
 *
 * Deliberately not here: loading the sandbox (main/rewards/quickjsRunner.ts).
 */
import { defineVerifier } from './defineVerifier.js';
import { limitsOf, runSandboxed } from './jsSandbox.js';
import type { VerifierInput, VerifierResult } from './types.js';

export interface CustomJsParams {
  /** JavaScript source defining `function reward(completion, answer, info)`. */
  code: string;
  /** Time limit per completion in milliseconds (1–1000). Default 100. */
  timeoutMs: number;
  /** Memory limit per completion in megabytes (1–64). Default 16. */
  memoryMB: number;
  /** customJs only: a plain number counts as correct when >= this. Default 1. */
  correctAt: number;
}

const EXAMPLE = `// Return a number, or { value, reason, correct }.
function reward(completion, answer, info) {
  const said = completion.trim().split(/\\s+/).pop();
  return said === answer.trim() ? 1 : 0;
}`;

const MAX_CODE_CHARS = 20_000;

function runUserCode(input: VerifierInput, p: CustomJsParams, answerKind: boolean): VerifierResult {
  if (typeof p.code !== 'string' || p.code.trim() === '') return { value: 0, reason: 'custom reward: no code' };
  if (p.code.length > MAX_CODE_CHARS) return { value: 0, reason: `custom reward: code over ${MAX_CODE_CHARS} characters` };
  const info = {
    choices: input.choices ?? null, completionTokens: input.completionTokens ?? null,
    maxTokens: input.maxTokens ?? null, truncated: input.truncated ?? false,
  };
  const r = runSandboxed(p.code, 'reward', [input.completion, input.answer, info], limitsOf(p));
  if (!r.ok) return { value: 0, reason: `custom reward failed: ${r.error}` };
  const v = r.value;
  let value: unknown = v;
  let reason = 'custom reward';
  let correct: boolean | undefined;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { value?: unknown; reason?: unknown; correct?: unknown };
    value = o.value;
    if (typeof o.reason === 'string') reason = o.reason.slice(0, 200);
    if (typeof o.correct === 'boolean') correct = o.correct;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { value: 0, reason: `custom reward returned ${describe(value)}, not a finite number: scored 0` };
  }
  if (!answerKind) return { value, reason };
  return { value, reason, correct: correct ?? value >= p.correctAt };
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'undefined';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40) ?? ''}`.trim();
}

const paramDocs = {
  code: { type: 'code' as const, help: 'JavaScript defining function reward(completion, answer, info) that returns a number or { value, reason, correct }. Runs sandboxed: no files, network, process, require or import.' },
  timeoutMs: { type: 'number' as const, min: 1, max: 1000, help: 'Time limit per completion (ms); a loop past it scores 0.' },
  memoryMB: { type: 'number' as const, min: 1, max: 64, help: 'Memory limit per completion (MB); an allocation past it scores 0.' },
  correctAt: { type: 'number' as const, help: 'A plain number counts as a correct answer when at least this (customJs only).' },
};

export const customJs = defineVerifier<CustomJsParams>(
  'customJs',
  'answer',
  { code: EXAMPLE, timeoutMs: 100, memoryMB: 16, correctAt: 1 },
  (input, p) => runUserCode(input, p, true),
  { summary: 'Your own reward in JavaScript, judging the answer (it decides accuracy). Runs in a QuickJS WebAssembly sandbox with time and memory limits; a throw, loop, huge allocation or non-number scores 0 with the reason.', params: paramDocs },
);

export const customJsShaping = defineVerifier<CustomJsParams>(
  'customJsShaping',
  'shaping',
  { code: EXAMPLE, timeoutMs: 100, memoryMB: 16, correctAt: 1 },
  (input, p) => runUserCode(input, p, false),
  { summary: 'Your own shaping term in JavaScript (added to the reward, never deciding accuracy). Same sandbox and limits as customJs.', params: paramDocs },
);
