/**
 * The demo task's answer reward, simple enough for a tiny randomly
 * initialised model to climb: in the default 'prefix' mode, 1 if the
 * completion's first non-space characters are exactly the answer string.
 * With `partialCredit`, a miss earns the fraction of the answer's characters
 * matched before the first difference, so early training sees a gradient
 * ("4" for "42" earns 0.5). Other modes: 'exact' (whole trimmed completion),
 * 'contains' (anywhere; partial credit does not apply).
 *
 * `correct` is true only on a full match, never on partial credit.
 *
 * Deliberately not here: any normalisation of numbers or LaTeX (boxedMath
 * does that); only optional case folding.
 */
import { defineVerifier } from './defineVerifier.js';

export interface ExactMatchParams {
  /** 'prefix' (default), 'exact' or 'contains'. */
  mode: 'prefix' | 'exact' | 'contains';
  /** Compare case-sensitively. Default true. */
  caseSensitive: boolean;
  /** Reward the matched prefix fraction on a miss. Default false. */
  partialCredit: boolean;
  /**
   * Prefix mode: the answer may not run on into more of its own kind of character, so "94" is
   * not "9" and "Bob" is not "B". Default true; the tiny demo task turns it off (its answers are
   * single characters and its two-token budget leaves a second token to chance).
   */
  boundary: boolean;
}

export const exactMatch = defineVerifier<ExactMatchParams>(
  'exactMatch',
  'answer',
  { mode: 'prefix', caseSensitive: true, partialCredit: false, boundary: true },
  (input, p) => {
    const fold = (s: string) => (p.caseSensitive ? s : s.toLowerCase());
    const answer = fold(input.answer.trim());
    if (answer.length === 0) return { value: 0, reason: 'empty ground truth', correct: false };
    const text = input.completion.trimStart();
    const head = fold(text.slice(0, answer.length));
    let full: boolean;
    if (p.mode === 'prefix') full = head === answer && !(p.boundary && runsOn(answer, text.slice(answer.length, answer.length + 2)));
    else if (p.mode === 'exact') full = fold(text.trimEnd()) === answer;
    else full = fold(text).includes(answer);
    const extracted = text.slice(0, Math.min(text.length, answer.length + 16));
    if (full) return { value: 1, reason: 'match', correct: true, extracted };
    if (!p.partialCredit || p.mode === 'contains') return { value: 0, reason: 'no match', correct: false, extracted };
    let k = 0;
    while (k < answer.length && k < head.length && head[k] === answer[k]) k++;
    return { value: k / answer.length, reason: `partial: ${k}/${answer.length} characters`, correct: false, extracted };
  },
  {
    summary: 'The completion itself is the answer, compared as a string: in prefix mode its first characters must be the answer (then a boundary: "94" is not "9"), in exact mode the whole trimmed completion, in contains mode anywhere. Meant for the tiny demo task, not for math.',
    params: {
      mode: { type: 'enum', options: ['prefix', 'exact', 'contains'], help: 'Where the answer must appear.' },
      caseSensitive: { type: 'boolean', help: 'Compare letters case-sensitively.' },
      partialCredit: { type: 'boolean', help: 'On a miss, reward the fraction of the answer matched before the first difference.' },
      boundary: { type: 'boolean', help: 'Prefix mode: the answer may not run on into more of the same kind of character (digit after digit, letter after letter).' },
    },
  },
);

/** Whether `rest` continues the answer's last character's kind: a digit after a digit, a letter after a letter. */
function runsOn(answer: string, rest: string): boolean {
  const last = answer[answer.length - 1]!;
  if (/\d/.test(last)) return /^(?:\d|[.,]\d)/.test(rest); // "94", "9.4", "9,400"
  if (/\p{L}/u.test(last)) return /^\p{L}/u.test(rest);
  return false;
}
