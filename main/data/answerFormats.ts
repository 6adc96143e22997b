// How a dataset's answer column becomes the ground truth a verifier compares
// against. Most sets store the bare answer; some store a worked solution:
//  - gsm8k: "...reasoning...\n#### 72" (openai/grade-school-math, the final
//    answer after "####", thousands separators dropped as in the GSM8K
//    reference grader);
//  - boxed: a LaTeX solution whose last \boxed{...} is the answer (MATH,
//    hendrycks/math's `solution` column; braces balanced, not regex-matched);
//  - choice-index: a 0-based option index (cais/mmlu `answer`) → its letter,
//    the form the multiple-choice verifier grades.

export const ANSWER_FORMATS = ['text', 'gsm8k', 'boxed', 'choice-index'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export type AnswerResult = { ok: true; answer: string } | { ok: false; detail: string };

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function extractAnswer(raw: string, format: AnswerFormat = 'text'): AnswerResult {
  switch (format) {
    case 'text':
      return { ok: true, answer: raw.trim() };
    case 'gsm8k': {
      const at = raw.lastIndexOf('####');
      if (at < 0) return { ok: false, detail: 'no "####" before the final answer (GSM8K format)' };
      const answer = raw.slice(at + 4).trim().replace(/(\d),(?=\d{3}\b)/g, '$1');
      return answer ? { ok: true, answer } : { ok: false, detail: 'nothing after "####"' };
    }
    case 'boxed': {
      const inner = lastBoxed(raw);
      return inner === null ? { ok: false, detail: 'no complete \\boxed{...} in the solution' } : inner.trim() ? { ok: true, answer: inner.trim() } : { ok: false, detail: '\\boxed{} is empty' };
    }
    case 'choice-index': {
      const t = raw.trim();
      if (!/^\d+$/.test(t) || Number(t) >= LETTERS.length) return { ok: false, detail: `"${t.slice(0, 20)}" is not an option index (0, 1, 2, ...)` };
      return { ok: true, answer: LETTERS[Number(t)]! };
    }
  }
}

/** The contents of the last \boxed{...} (or \fbox{...}), braces balanced; null when none closes. */
export function lastBoxed(s: string): string | null {
  const re = /\\(?:boxed|fbox)\s*\{/g;
  let found: string | null = null;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < s.length && depth > 0; i++) {
      if (s[i] === '\\') { i++; continue; } // an escaped brace \{ does not count
      if (s[i] === '{') depth++;
      else if (s[i] === '}') depth--;
    }
    if (depth === 0) found = s.slice(m.index + m[0].length, i - 1);
  }
  return found;
}
