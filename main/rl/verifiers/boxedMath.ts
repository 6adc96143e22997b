/**
 * Answer reward for math tasks (MATH, AIME, AMC, ...): 1 if the LAST
 * `\boxed{...}` / `\fbox{...}` / `\boxed 5` after any `</think>` is
 * mathematically equal to the ground truth, else 0. Reference:
 * `conrl_reward.py` (ALGORITHMS.md §5), with the §7 item 6 corrections;
 * equivalence rules in math/mathEqual.ts and docs/VERIFIERS.md.
 *
 * Deliberately not here: format shaping (an extra box, missing think tags);
 * compose with the `format` verifier for that. No box means no answer: there
 * is no last-number fallback here (gsm8k has one).
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';
import { extractBoxed } from './math/extractBoxed.js';
import { mathEqual } from './math/mathEqual.js';

export interface BoxedMathParams {
  /** Reward for a correct answer. Default 1 (the reference is binary {0, 1}). */
  correctReward: number;
  /** Reward for a boxed but wrong answer. Default 0. */
  incorrectReward: number;
  /** Reward when no usable box is found (none, empty, unbalanced, too long). Default 0. */
  missingReward: number;
}

export const boxedMath = defineVerifier<BoxedMathParams>(
  'boxedMath',
  'answer',
  { correctReward: 1, incorrectReward: 0, missingReward: 0 },
  (input, p) => {
    const box = extractBoxed(afterThink(input.completion));
    if (box.status !== 'ok') {
      const why = { none: 'no \\boxed answer', empty: 'empty \\boxed{}', unbalanced: 'unbalanced braces in the last \\boxed', tooLong: 'boxed answer too long' }[box.status];
      return { value: p.missingReward, reason: why, correct: false };
    }
    const correct = mathEqual(input.answer, box.content);
    return {
      value: correct ? p.correctReward : p.incorrectReward,
      reason: correct ? 'correct' : 'incorrect',
      correct,
      extracted: box.content,
    };
  },
);
