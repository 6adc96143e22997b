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
 * A hedge is never an answer: `\boxed{C or D}`, `\boxed{C} \boxed{D}` and "the
 * answer is C or D" score incorrect. In 'strict' mode only the box counts
 * (steps 2-4 are off); presets and task defaults name their mode.
 *
 * Deliberately not here: partial credit for near misses, or guessing from
 * letters scattered mid-sentence.
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';
import { allBoxes, extractBoxed } from './math/extractBoxed.js';

export interface MultipleChoiceParams {
  /** The valid letters. Default 'ABCDE'; with `choices`, only the first choices.length of them. */
  letters: string;
  /**
   * 'flexible' (default): the box, else an "answer is B" phrase, else the start of the answer.
   * 'strict': the box only; a letter outside a box is no answer (no reward for an unmarked guess).
   */
  mode: 'strict' | 'flexible';
  /** Reward for the right letter. Default 1. */
  correctReward: number;
  /** Reward for a letter that is wrong. Default 0. */
  incorrectReward: number;
}

export const multipleChoice = defineVerifier<MultipleChoiceParams>(
  'multipleChoice',
  'answer',
  { letters: 'ABCDE', mode: 'flexible', correctReward: 1, incorrectReward: 0 },
  (input, p) => {
    const letters = (input.choices ? p.letters.slice(0, input.choices.length) : p.letters).toUpperCase();
    const truth = readLetter(input.answer, letters, input.choices, true);
    if (truth === null || truth === AMBIGUOUS) return { value: 0, reason: 'ground truth is not a valid choice', correct: false };
    const chosen = modelLetter(afterThink(input.completion), letters, input.choices, p.mode);
    if (chosen === AMBIGUOUS) return { value: p.incorrectReward, reason: 'incorrect: more than one option chosen', correct: false };
    if (chosen === null) return { value: 0, reason: p.mode === 'strict' ? 'no choice found (strict: needs \\boxed{})' : 'no choice found', correct: false };
    const correct = chosen === truth;
    return {
      value: correct ? p.correctReward : p.incorrectReward,
      reason: correct ? 'correct' : `incorrect (chose ${chosen}, expected ${truth})`,
      correct,
      extracted: chosen,
    };
  },
  {
    summary: 'Multiple choice: the option letter in the last \\boxed{} (B, (B), "Option B", or the option\'s text) must equal the ground truth letter. A hedge such as "C or D" scores incorrect. In flexible mode, without a box, "the answer is B" or a leading "B." also count.',
    params: {
      letters: { type: 'string', help: 'The valid option letters, in order.' },
      mode: { type: 'enum', options: ['strict', 'flexible'], help: 'strict: only a boxed letter counts; flexible: also "the answer is B" and a leading "B." outside a box.' },
      correctReward: { type: 'number', help: 'Reward for the right option.' },
      incorrectReward: { type: 'number', help: 'Reward for a wrong option.' },
    },
  },
);

/** A hedge such as `C or D`: more than one option named where one was asked for. */
const AMBIGUOUS = '?';

function modelLetter(text: string, letters: string, choices: string[] | undefined, mode: MultipleChoiceParams['mode']): string | null {
  const box = extractBoxed(text);
  if (box.status === 'ok') {
    const chosen = readLetter(unwrapText(box.content), letters, choices, true);
    if (chosen !== null && chosen !== AMBIGUOUS) {
      // `\boxed{C} or \boxed{D}`: every box must name the same option.
      for (const other of allBoxes(text).slice(-16)) {
        const l = readLetter(unwrapText(other), letters, choices, true);
        if (l !== null && l !== chosen) return AMBIGUOUS;
      }
    }
    return chosen;
  }
  if (box.status !== 'none' || mode === 'strict') return null;
  const phrase = lastAnswerPhrase(text, letters);
  if (phrase !== null) return phrase;
  return readLetter(text.trim(), letters, choices, false);
}

/** "The answer is", "Option", "Choice:" before the letter. */
const LEAD_IN = /^(?:the\s+)?(?:correct\s+|right\s+|best\s+|final\s+)?(?:answer|option|choice)\s*(?:is\s*)?[:\-]?\s*/i;

/**
 * A letter at the start of `raw` (after a lead-in such as "Option"), or an option text equal to it.
 * `inBox` also accepts an upper-case letter followed by a space (`\boxed{B Paris}`), which in free
 * text would misread "A good choice is C", and returns AMBIGUOUS when the rest of the box names
 * another option (`C or D`, `(C) and (D)`).
 */
function readLetter(raw: string, letters: string, choices: string[] | undefined, inBox: boolean): string | null {
  const whole = raw.trim();
  const s = whole.replace(LEAD_IN, '');
  const m = /^\(?\s*([A-Za-z])\s*(\)|\.|:|$)/.exec(s) ?? (inBox ? /^([A-Z])(\s)/.exec(s) : null);
  if (m) {
    const letter = m[1]!.toUpperCase();
    const isLower = m[1] !== letter;
    const delimited = m[2] !== '' || s.length === 1 || s.startsWith('(');
    if (letters.includes(letter) && (!isLower || delimited)) {
      return inBox && namesAnotherOption(s.slice(m[0].length), letter, letters) ? AMBIGUOUS : letter;
    }
  }
  if (choices) {
    const k = choices.findIndex((c) => squash(c) === squash(whole));
    if (k >= 0 && k < letters.length) return letters[k]!;
  }
  return null;
}

/**
 * Whether `rest` names an option other than `letter` as a standalone capital (`or D`, `, (D)`).
 * "A" followed by a lower-case word is the article ("B) A triangle"), not option A.
 */
function namesAnotherOption(rest: string, letter: string, letters: string): boolean {
  for (const m of rest.matchAll(/(?:^|[^A-Za-z])\(?([A-Z])\)?(?![A-Za-z])/g)) {
    const other = m[1]!;
    if (other === letter || !letters.includes(other)) continue;
    const after = rest.slice(m.index + m[0].length);
    if (other === 'A' && /^\s+[a-z]/.test(after)) continue;
    return true;
  }
  return false;
}

/** "The answer is (B)", "answer: b.", "The correct option is B" — the last such phrase wins; a hedge there is AMBIGUOUS. */
function lastAnswerPhrase(text: string, letters: string): string | null {
  // One pass, no overlapping quantifiers (linear on 1 MB inputs).
  const re = /(?:answer|correct option|correct choice)(?:\s+is)?[\s:*]*\(?([A-Za-z])(?![A-Za-z])/gi;
  let found: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const letter = m[1]!.toUpperCase();
    if (!letters.includes(letter)) continue;
    const end = m.index + m[0].length;
    const after = text[end];
    // A lower-case letter must be followed by punctuation or the end, not by more prose.
    if (m[1] !== letter && after !== undefined && !/[).:,;!?\s]/.test(after)) continue;
    if (m[1] !== letter && after === ' ' && /^\s+[a-z]/.test(text.slice(end, end + 3))) continue;
    const clause = /^[^.\n]{0,40}/.exec(text.slice(end, end + 40))![0];
    found = /^\)?\s*(?:or|and|\/|,|&)/i.test(clause) && namesAnotherOption(clause, letter, letters) ? AMBIGUOUS : letter;
  }
  return found;
}
function unwrapText(s: string): string {
  return s.replace(/\\(?:text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}/g, '$1');
}

function squash(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[.\s]+$/, '').trim();
}
