/**
 * Shaping reward for answers whose length is inside a range: `reward` when
 * min <= length <= max (max 0 means no upper bound), else 0. Length is counted
 * in characters, whitespace-separated words, or tokens (the rollout's count;
 * without one the value is 0 with a reason, never a character guess).
 *
 * Deliberately not here: ramps near the budget (overlong.ts) or linear costs
 * (lengthPenalty.ts).
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';

export interface LengthRangeParams {
  /** 'chars', 'words' (default) or 'tokens'. */
  unit: 'chars' | 'words' | 'tokens';
  /** Shortest length rewarded. Default 1. */
  min: number;
  /** Longest length rewarded; 0 means no limit. Default 0. */
  max: number;
  /** 'completion' (default) or 'answer' (after </think>; tokens always count the completion). */
  target: 'completion' | 'answer';
  /** Reward inside the range. Default 1. */
  reward: number;
}

export const lengthRange = defineVerifier<LengthRangeParams>(
  'length',
  'shaping',
  { unit: 'words', min: 1, max: 0, target: 'completion', reward: 1 },
  (input, p) => {
    let n: number;
    if (p.unit === 'tokens') {
      if (input.completionTokens === undefined) return { value: 0, reason: 'length: no token count' };
      n = input.completionTokens;
    } else {
      const text = p.target === 'answer' ? afterThink(input.completion) : input.completion;
      n = p.unit === 'chars' ? [...text].length : countWords(text);
    }
    const inside = n >= p.min && (p.max <= 0 || n <= p.max);
    return { value: inside ? p.reward : 0, reason: `length: ${n} ${p.unit}${inside ? '' : ` outside [${p.min}, ${p.max > 0 ? p.max : '∞'}]`}` };
  },
  {
    summary: 'Rewards a completion (or its final answer) whose length in characters, words or tokens lies in a range.',
    params: {
      unit: { type: 'enum', options: ['chars', 'words', 'tokens'], help: 'What to count.' },
      min: { type: 'number', min: 0, help: 'Shortest length rewarded.' },
      max: { type: 'number', min: 0, help: 'Longest length rewarded (0: no limit).' },
      target: { type: 'enum', options: ['completion', 'answer'], help: 'Count the whole completion or only the text after </think>.' },
      reward: { type: 'number', help: 'Reward inside the range.' },
    },
  },
);

function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = /\s/.test(text[i]!);
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}
