/**
 * Shaping reward for a user's regular expression: `reward` when the pattern
 * matches (or, with expect 'noMatch', when it does not), else 0. `{answer}` in
 * the pattern stands for the ground truth, escaped, so `\\boxed\{{answer}\}`
 * checks an exact boxed answer.
 *
 * The pattern runs in the QuickJS sandbox (jsSandbox.ts) with a time limit,
 * not in the host's RegExp: a user pattern such as `(a+)+$` backtracks
 * exponentially on model output, and only an interruptible engine bounds that.
 * An invalid pattern or a timeout scores 0 with the reason.
 */
import { defineVerifier } from './defineVerifier.js';
import { limitsOf, runSandboxed } from './jsSandbox.js';
import { afterThink } from './math/afterThink.js';

export interface RegexMatchParams {
  /** A JavaScript regular expression (no slashes); `{answer}` is the escaped ground truth. */
  pattern: string;
  /** RegExp flags, e.g. 'i', 'm', 's'. Default ''. */
  flags: string;
  /** 'answer' (default): the text after any </think>; 'completion': all of it. */
  target: 'answer' | 'completion';
  /** 'match' (default): reward a match; 'noMatch': reward its absence. */
  expect: 'match' | 'noMatch';
  /** Reward when the expectation holds. Default 1. */
  reward: number;
  /** Time limit per completion (ms). Default 50. */
  timeoutMs: number;
}

const SOURCE = 'function reward(text, pattern, flags) { return new RegExp(pattern, flags).test(text); }';

export const regexMatch = defineVerifier<RegexMatchParams>(
  'regexMatch',
  'shaping',
  { pattern: '', flags: '', target: 'answer', expect: 'match', reward: 1, timeoutMs: 50 },
  (input, p) => {
    if (typeof p.pattern !== 'string' || p.pattern === '') return { value: 0, reason: 'regex: no pattern' };
    if (!/^[dgimsuyv]*$/.test(p.flags)) return { value: 0, reason: `regex: invalid flags "${p.flags}"` };
    const pattern = p.pattern.replaceAll('{answer}', input.answer.trim().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    const text = p.target === 'completion' ? input.completion : afterThink(input.completion);
    const r = runSandboxed(SOURCE, 'reward', [text, pattern, p.flags.replace('g', '')], limitsOf({ timeoutMs: p.timeoutMs, memoryMB: 32 }));
    if (!r.ok) return { value: 0, reason: `regex failed: ${r.error}` };
    const ok = (r.value === true) === (p.expect === 'match');
    return { value: ok ? p.reward : 0, reason: r.value === true ? 'regex: matched' : 'regex: no match' };
  },
  {
    summary: 'Rewards text that matches (or does not match) your regular expression; {answer} in the pattern is the ground truth. Runs sandboxed with a time limit, so a catastrophic pattern scores 0 instead of hanging the run.',
    params: {
      pattern: { type: 'string', help: 'A JavaScript regular expression without slashes, e.g. ^\\s*Answer: \\d+$ or \\\\boxed\\{{answer}\\}.' },
      flags: { type: 'string', help: 'RegExp flags: i (ignore case), m (multiline), s (dot matches newlines).' },
      target: { type: 'enum', options: ['answer', 'completion'], help: 'answer: the text after </think>; completion: everything.' },
      expect: { type: 'enum', options: ['match', 'noMatch'], help: 'Reward a match, or reward its absence.' },
      reward: { type: 'number', help: 'Reward when the expectation holds.' },
      timeoutMs: { type: 'number', min: 1, max: 1000, help: 'Time limit per completion (ms).' },
    },
  },
);
