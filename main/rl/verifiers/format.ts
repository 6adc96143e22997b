/**
 * Shaping reward for the expected output format, the "format_reward" of
 * GRPO-Zero / nano-aha-moment style recipes. Checks, each switchable:
 * - `think`: 'required' → exactly one `</think>`, at most one `<think>` and it
 *   comes first (chat templates often put `<think>` in the prompt, so the
 *   completion may only close it); 'optional' → the same rules when any tag is
 *   present; 'forbidden' → no tags at all;
 * - `boxed`: 'one' → exactly one `\boxed{...}`/`\fbox{...}` after `</think>`,
 *   balanced and non-empty; 'any' → at least one; 'off' → not checked;
 * - `boxedAtEnd`: nothing but closing math delimiters and punctuation
 *   (`$`, `\]`, `\)`, `.`, spaces) follows that box.
 * Value: `reward` when all enabled checks pass, else 0; with `partialCredit`,
 * `reward` × the fraction of checks passed.
 *
 * Deliberately not here: whether the answer is right (boxedMath) or length
 * (overlong, lengthPenalty). Counting is by indexOf scans, linear in the text.
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';
import { extractBoxed } from './math/extractBoxed.js';
import { matchBrace } from './math/normalizeAnswer.js';

export interface FormatParams {
  /** Think-tag structure. Default 'optional'. */
  think: 'required' | 'optional' | 'forbidden';
  /** Boxed-answer rule. Default 'one'. */
  boxed: 'one' | 'any' | 'off';
  /** Require the box to end the answer. Default true (ignored when boxed is 'off'). */
  boxedAtEnd: boolean;
  /** Give a fraction of `reward` for each passed check. Default false. */
  partialCredit: boolean;
  /** Reward when the format is right. Default 1. */
  reward: number;
}

export const format = defineVerifier<FormatParams>(
  'format',
  'shaping',
  { think: 'optional', boxed: 'one', boxedAtEnd: true, partialCredit: false, reward: 1 },
  (input, p) => {
    const text = input.completion;
    const checks: [string, boolean][] = [['think tags', thinkOk(text, p.think)]];
    if (p.boxed !== 'off') {
      const answer = afterThink(text);
      const boxes = countBoxes(answer);
      const box = extractBoxed(answer);
      checks.push(['boxed answer', box.status === 'ok' && (p.boxed === 'any' ? boxes >= 1 : boxes === 1)]);
      if (p.boxedAtEnd) checks.push(['box at end', box.status === 'ok' && boxEndsAnswer(answer)]);
    }
    const failed = checks.filter(([, ok]) => !ok).map(([name]) => name);
    const passed = checks.length - failed.length;
    const value = p.partialCredit ? (p.reward * passed) / checks.length : failed.length === 0 ? p.reward : 0;
    return { value, reason: failed.length === 0 ? 'format ok' : `format: failed ${failed.join(', ')}` };
  },
  {
    summary: 'Shaping for the expected output format: think tags, exactly one \\boxed{} answer, and nothing after it. Does not judge whether the answer is right.',
    params: {
      think: { type: 'enum', options: ['required', 'optional', 'forbidden'], help: 'Think-tag structure: required, optional (checked when present) or forbidden.' },
      boxed: { type: 'enum', options: ['one', 'any', 'off'], help: 'Exactly one box, at least one, or not checked.' },
      boxedAtEnd: { type: 'boolean', help: 'Only closing math delimiters and punctuation may follow the box.' },
      partialCredit: { type: 'boolean', help: 'Reward the fraction of checks passed.' },
      reward: { type: 'number', help: 'Reward when the format is right.' },
    },
  },
);

function count(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

function thinkOk(text: string, mode: FormatParams['think']): boolean {
  const opens = count(text, '<think>');
  const closes = count(text, '</think>');
  if (mode === 'forbidden') return opens === 0 && closes === 0;
  if (mode === 'optional' && opens === 0 && closes === 0) return true;
  if (closes !== 1 || opens > 1) return false;
  // An opening tag, if present, must be the first thing and precede the close.
  return opens === 0 || (text.trimStart().startsWith('<think>') && text.indexOf('<think>') < text.indexOf('</think>'));
}

function countBoxes(text: string): number {
  return count(text, '\\boxed') + count(text, '\\fbox');
}

/** After the last box only `$`, `\]`, `\)`, `.` and spaces may follow (at most 200 characters of them). */
function boxEndsAnswer(text: string): boolean {
  const boxed = text.lastIndexOf('\\boxed');
  const fbox = text.lastIndexOf('\\fbox');
  let i = boxed > fbox ? boxed + '\\boxed'.length : fbox + '\\fbox'.length;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let end: number;
  if (text[i] === '{') {
    const close = matchBrace(text, i);
    if (close < 0) return false;
    end = close + 1;
  } else {
    end = i;
    while (end < text.length && !/[\s$]/.test(text[end]!)) end++; // `\boxed 5` form, as extractBoxed reads it
  }
  const tail = text.slice(end);
  return tail.length <= 200 && /^(?:\s|\$|\\\]|\\\)|\.)*$/.test(tail);
}
