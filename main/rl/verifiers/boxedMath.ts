/**
 * Answer reward for math tasks (MATH, AIME, AMC, ...): 1 if the LAST
 * `\boxed{...}` / `\fbox{...}` / `\boxed 5` after any `</think>` is
 * mathematically equal to the ground truth, else 0. Reference:
 * `conrl_reward.py` (ALGORITHMS.md §5), with the §7 item 6 corrections;
 * equivalence rules in math/mathEqual.ts and docs/VERIFIERS.md.
 *
 * Two or more boxes after `</think>` that disagree (`\boxed{72} or \boxed{73}`)
 * are a hedge, not an answer: incorrect with `multipleBoxes: 'reject'` (the
 * default), or the last box as the reference reads it with 'last'. Empty
 * `\boxed{}` (the instruction echoed back) is ignored.
 *
 * Deliberately not here: format shaping (an extra box, missing think tags);
 * compose with the `format` verifier for that. No box means no answer: there
 * is no last-number fallback here (gsm8k has one).
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';
import { allBoxes, extractBoxed } from './math/extractBoxed.js';
import { mathEqual } from './math/mathEqual.js';

export interface BoxedMathParams {
  /** Reward for a correct answer. Default 1 (the reference is binary {0, 1}). */
  correctReward: number;
  /** Reward for a boxed but wrong answer. Default 0. */
  incorrectReward: number;
  /** Reward when no usable box is found (none, empty, unbalanced). Default 0. */
  missingReward: number;
  /** Boxes that disagree: 'reject' (default, a hedge is not an answer) or 'last' (the reference's reading). */
  multipleBoxes: 'reject' | 'last';
}

/** More boxes than this are compared as normalised strings only (bounded work). */
const MAX_BOXES_COMPARED = 16;

export const boxedMath = defineVerifier<BoxedMathParams>(
  'boxedMath',
  'answer',
  { correctReward: 1, incorrectReward: 0, missingReward: 0, multipleBoxes: 'reject' },
  (input, p) => {
    const text = afterThink(input.completion);
    const box = extractBoxed(text);
    if (box.status !== 'ok') {
      const why = { none: 'no \\boxed answer', empty: 'empty \\boxed{}', unbalanced: 'unbalanced braces in the last \\boxed' }[box.status];
      return { value: p.missingReward, reason: why, correct: false };
    }
    if (p.multipleBoxes === 'reject' && boxesDisagree(text, box.content)) {
      return { value: p.incorrectReward, reason: 'incorrect: several different boxed answers', correct: false, extracted: box.content };
    }
    const correct = mathEqual(input.answer, box.content);
    return {
      value: correct ? p.correctReward : p.incorrectReward,
      reason: correct ? 'correct' : 'incorrect',
      correct,
      extracted: box.content,
    };
  },
  {
    summary: 'Reads the last \\boxed{} answer (after any </think>) and checks it is mathematically equal to the ground truth: exact on numbers, fractions and decimals, symbolic on expressions, text compared as text. A missing box or two different boxed answers score incorrect. No answer outside the box is ever read.',
    params: {
      correctReward: { type: 'number', help: 'Reward for a correct answer.' },
      incorrectReward: { type: 'number', help: 'Reward for a boxed but wrong answer.' },
      missingReward: { type: 'number', help: 'Reward when there is no usable box (none, empty, unbalanced).' },
      multipleBoxes: { type: 'enum', options: ['reject', 'last'], help: 'Boxes that disagree: reject (a hedge is not an answer) or read the last one as the reference grader does.' },
    },
  },
);

/** Whether any box of the answer holds something other than the final box's answer. */
export function boxesDisagree(text: string, last: string): boolean {
  const boxes = allBoxes(text);
  if (boxes.length < 2) return false;
  if (boxes.length > MAX_BOXES_COMPARED) return boxes.some((b) => b !== last);
  return boxes.some((b) => b !== last && !mathEqual(last, b));
}
