/**
 * Answer reward for multiple-choice rows (MMLU, TruthfulQA, CommonsenseQA,
 * ...): 1 if the chosen letter equals the ground truth's, else 0.
 *
 * The ground truth is a letter (`B`, `(B)`, `b`) or, when `choices` are
 * given, an option's text (matched case- and space-insensitively). The
 * model's letter is read from, in order (all after any `</think>`):
 * 1. the last `\boxed{...}`: `B`, `(B)`, `B.`, `B)`, `B) text`, `\text{B}`, or an option text;
 * 2. the last "answer is B" / "Answer: (B)" phrase;
 * 3. the start of the answer: `(B)`, `B.`, `B)`, `B:`, `B` alone, or `b` alone;
 * 4. the whole answer equal to one option's text.
 * The reference reads `pred.split('.')[0].strip()` (ALGORITHMS.md §5) and so
 * misses `(C)`, `c`, `C) text` (§7 item 6); all of those count here.
 *
 * Lower-case letters count only when delimited (`b`, `(b)`, `b)`, `b.`), so
 * the article in "a good answer" is not read as option A; upper case without a
 * delimiter only when alone ("A good choice is C" is not option A).
 *
 * Deliberately not here: partial credit for near misses, or guessing from
 * letters scattered mid-sentence.
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';
import { extractBoxed } from './math/extractBoxed.js';

export interface MultipleChoiceParams {
  /** The valid letters. Default 'ABCDE'; with `choices`, only the first choices.length of them. */
  letters: string;
  /** Reward for the right letter. Default 1. */
  correctReward: number;
  /** Reward for a letter that is wrong. Default 0. */
  incorrectReward: number;
}

export const multipleChoice = defineVerifier<MultipleChoiceParams>(
  'multipleChoice',
  'answer',
  { letters: 'ABCDE', correctReward: 1, incorrectReward: 0 },
  (input, p) => {
    const letters = (input.choices ? p.letters.slice(0, input.choices.length) : p.letters).toUpperCase();
    const truth = readLetter(input.answer, letters, input.choices, true);
    if (truth === null) return { value: 0, reason: 'ground truth is not a valid choice', correct: false };
    const chosen = modelLetter(afterThink(input.completion), letters, input.choices);
    if (chosen === null) return { value: 0, reason: 'no choice found', correct: false };
    const correct = chosen === truth;
    return {
      value: correct ? p.correctReward : p.incorrectReward,
      reason: correct ? 'correct' : `incorrect (chose ${chosen}, expected ${truth})`,
      correct,
      extracted: chosen,
    };
  },
);

function modelLetter(text: string, letters: string, choices: string[] | undefined): string | null {
  const box = extractBoxed(text);
  if (box.status === 'ok') return readLetter(unwrapText(box.content), letters, choices, true);
  if (box.status !== 'none') return null;
  const phrase = lastAnswerPhrase(text, letters);
  if (phrase !== null) return phrase;
  return readLetter(text.trim(), letters, choices, false);
}

/**
 * A letter at the start of `raw`, or an option text equal to it. `inBox` also
 * accepts an upper-case letter followed by a space (`\boxed{B Paris}`), which
 * in free text would misread "A good choice is C".
 */
function readLetter(raw: string, letters: string, choices: string[] | undefined, inBox: boolean): string | null {
  const s = raw.trim().slice(0, 1000);
  const m = /^\(?\s*([A-Za-z])\s*(\)|\.|:|$)/.exec(s) ?? (inBox ? /^([A-Z])(\s)/.exec(s) : null);
  if (m) {
    const letter = m[1]!.toUpperCase();
    const isLower = m[1] !== letter;
    const delimited = m[2] !== '' || s.length === 1 || s.startsWith('(');
    if (letters.includes(letter) && (!isLower || delimited)) return letter;
  }
  if (choices) {
    const k = choices.findIndex((c) => squash(c) === squash(s));
    if (k >= 0 && k < letters.length) return letters[k]!;
  }
  return null;
}

/** "The answer is (B)", "answer: b.", "Answer is B" — the last such phrase wins. */
function lastAnswerPhrase(text: string, letters: string): string | null {
  // One pass, no overlapping quantifiers (linear on 1 MB inputs).
  const re = /answer(?:\s+is)?[\s:*]*\(?([A-Za-z])(?![A-Za-z])/gi;
  let found: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const letter = m[1]!.toUpperCase();
    if (!letters.includes(letter)) continue;
    const after = text[m.index + m[0].length];
    // A lower-case letter must be followed by punctuation or the end, not by more prose.
    if (m[1] !== letter && after !== undefined && !/[).:,;!?\s]/.test(after)) continue;
    if (m[1] !== letter && after === ' ' && /^\s+[a-z]/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 3))) continue;
    found = letter;
  }
  return found;
}

function unwrapText(s: string): string {
  return s.replace(/\\(?:text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}/g, '$1');
}

function squash(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[.\s]+$/, '').trim();
}
