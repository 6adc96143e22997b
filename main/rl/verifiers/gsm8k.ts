/**
 * Answer reward for GSM8K-style word problems. The ground truth may be the
 * dataset's full solution ending in `#### 42` (the text after the last `####`
 * counts, commas stripped) or a bare number. The model's answer is, in order:
 * 1. the last `\boxed{...}` (after any `</think>`), as boxedMath reads it;
 * 2. else the text after the last `####` in the completion (GSM8K's own format,
 *    verl's "strict" gsm8k extraction);
 * 3. else, in 'flexible' mode only, the last number in the text (verl's
 *    "flexible" extraction). 'strict' mode never reads an answer the model did
 *    not mark (a box or `####`), so a model cannot earn reward by ending on a
 *    number it did not commit to. Presets and task defaults name their mode.
 * Numbers are compared exactly (math/mathEqual.ts), so `1,234`, `$1,234.00` and
 * `1234` are all equal.
 *
 * Deliberately not here: any partial or format reward; compose with `format`.
 */
import { defineVerifier } from './defineVerifier.js';
import { boxesDisagree } from './boxedMath.js';
import { afterThink } from './math/afterThink.js';
import { extractBoxed } from './math/extractBoxed.js';
import { lastNumber } from './math/lastNumber.js';
import { mathEqual } from './math/mathEqual.js';

export interface Gsm8kParams {
  /** 'flexible' (default): no box and no `####` → the last number; 'strict': then the answer is missing. */
  mode: 'strict' | 'flexible';
  /** Reward for a correct answer. Default 1. */
  correctReward: number;
  /** Reward for a found but wrong answer (verl's format_score). Default 0. */
  incorrectReward: number;
}

export const gsm8k = defineVerifier<Gsm8kParams>(
  'gsm8k',
  'answer',
  { mode: 'flexible', correctReward: 1, incorrectReward: 0 },
  (input, p) => {
    const truth = groundTruth(input.answer);
    const text = afterThink(input.completion);
    const predicted = modelAnswer(text, p.mode);
    if (predicted === null) return { value: 0, reason: p.mode === 'strict' ? 'no answer found (strict: needs \\boxed{} or ####)' : 'no answer found', correct: false };
    if (predicted.source === 'boxed' && boxesDisagree(text, predicted.text)) {
      return { value: p.incorrectReward, reason: 'incorrect: several different boxed answers', correct: false, extracted: predicted.text };
    }
    const correct = truth.length > 0 && mathEqual(truth, predicted.text);
    return {
      value: correct ? p.correctReward : p.incorrectReward,
      reason: `${correct ? 'correct' : 'incorrect'} (${predicted.source})`,
      correct,
      extracted: predicted.text,
    };
  },
  {
    summary: 'GSM8K-style numeric answers. The truth may be a full solution ending in "#### 42". The model\'s answer is its last \\boxed{}, else the line after its last "####"; in flexible mode, else its last number. Numbers compare exactly (1,234 = 1234.00).',
    params: {
      mode: { type: 'enum', options: ['strict', 'flexible'], help: 'strict: only a box or "####" counts (no reward for an unmarked number); flexible: fall back to the last number (verl\'s flexible extraction).' },
      correctReward: { type: 'number', help: 'Reward for a correct answer.' },
      incorrectReward: { type: 'number', help: 'Reward for an answer that is found but wrong.' },
    },
  },
);

function groundTruth(answer: string): string {
  const at = answer.lastIndexOf('####');
  const tail = at < 0 ? answer : answer.slice(at + 4);
  return tail.trim().replace(/,/g, '');
}

function modelAnswer(text: string, mode: Gsm8kParams['mode']): { text: string; source: string } | null {
  const box = extractBoxed(text);
  if (box.status === 'ok') return { text: box.content, source: 'boxed' };
  if (box.status !== 'none') return null; // a broken last box is a missing answer, as in boxedMath
  const hashes = text.lastIndexOf('####');
  if (hashes >= 0) {
    // The rest of that line, whole: `#### 72 or 73` is two answers, not 72.
    const eol = text.indexOf('\n', hashes);
    const line = text.slice(hashes + 4, eol < 0 ? text.length : eol).trim();
    if (line.length > 0) return { text: line, source: '####' };
  }
  if (mode === 'strict') return null;
  const n = lastNumber(text, 'last');
  return n === null ? null : { text: n, source: 'last number' };
}
