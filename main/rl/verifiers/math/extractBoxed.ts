/**
 * Finds the final answer in a completion: the content of the LAST `\boxed{...}`
 * or `\fbox{...}` (brace-matched, so nested braces work), or the token after
 * `\boxed ` in the brace-less form `\boxed 5`. Mirrors the reference's
 * last_boxed_only_string (ALGORITHMS.md §5) and adds `\fbox` and `\boxed 5`
 * handling that §7 item 6 says the reference misses.
 *
 * Only the last box counts: if it is unbalanced the answer is missing, with no
 * fallback to an earlier box (a model must not be rewarded for a box it then
 * contradicts). Escaped braces `\{` `\}` (set notation) do not count towards the
 * matching. One backwards search plus one forward scan: linear in the input.
 *
 * Deliberately not here: `</think>` handling (afterThink.ts) and normalisation.
 */

export type BoxedExtraction =
  | { status: 'ok'; content: string }
  | { status: 'none' | 'unbalanced' | 'empty' | 'tooLong'; content?: undefined };

/** Longest answer we hand on; real answers are far shorter, and every later step is bounded by this. */
export const MAX_ANSWER_CHARS = 1000;

export function extractBoxed(text: string): BoxedExtraction {
  const boxed = lastCommand(text, '\\boxed');
  const fbox = lastCommand(text, '\\fbox');
  const start = Math.max(boxed, fbox);
  if (start < 0) return { status: 'none' };
  let i = start + (start === boxed ? '\\boxed'.length : '\\fbox'.length);
  const afterName = i;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] !== '{') {
    // `\boxed 5` form: the reference takes everything up to the next `$`; we also
    // stop at whitespace so trailing prose is not swallowed.
    if (i === afterName) return { status: 'none' };
    let end = i;
    while (end < text.length && !/[\s$]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    if (token.length === 0) return { status: 'empty' };
    return token.length > MAX_ANSWER_CHARS ? { status: 'tooLong' } : { status: 'ok', content: token };
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') {
      j++; // skip the escaped character: `\{` and `\}` are literal braces
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        const content = text.slice(i + 1, j).trim();
        if (content.length === 0) return { status: 'empty' };
        return content.length > MAX_ANSWER_CHARS ? { status: 'tooLong' } : { status: 'ok', content };
      }
    }
  }
  return { status: 'unbalanced' };
}

/** Last index of a LaTeX command name not followed by a letter (so `\boxed` does not match `\boxedx`). */
function lastCommand(text: string, name: string): number {
  let at = text.lastIndexOf(name);
  while (at >= 0) {
    const next = text[at + name.length];
    if (next === undefined || !/[a-zA-Z]/.test(next)) return at;
    at = at === 0 ? -1 : text.lastIndexOf(name, at - 1);
  }
  return -1;
}
