/**
 * Finds the final answer in a completion: the content of the LAST non-empty
 * `\boxed{...}` or `\fbox{...}` (brace-matched, so nested braces work), or the
 * token after `\boxed ` in the brace-less form `\boxed 5`. Mirrors the
 * reference's last_boxed_only_string (ALGORITHMS.md §5) and adds `\fbox` and
 * `\boxed 5` handling that §7 item 6 says the reference misses.
 *
 * An empty `\boxed{}` is skipped: it is the prompt's instruction ("put the
 * final answer within \boxed{}") echoed back, never an answer. If the last
 * non-empty box is unbalanced the answer is missing, with no fallback to an
 * earlier box (a model must not be rewarded for a box it then contradicts).
 * Escaped braces `\{` `\}` (set notation) do not count towards the matching.
 *
 * There is no length cap: an answer is compared whole, however long (cutting
 * it would accept a long wrong answer with a right prefix). Every scan here is
 * linear in the text; later steps bound their own work (mathEqual.ts).
 *
 * allBoxes lists every top-level box in order (one forward scan), so a
 * verifier can refuse a completion that boxes two different answers.
 *
 * Deliberately not here: `</think>` handling (afterThink.ts) and normalisation.
 */

import { matchBrace } from './normalizeAnswer.js';

export type BoxedExtraction =
  | { status: 'ok'; content: string }
  | { status: 'none' | 'unbalanced' | 'empty'; content?: undefined };

export function extractBoxed(text: string): BoxedExtraction {
  let before = text.length;
  let sawEmpty = false;
  for (;;) {
    const start = lastBoxStart(text, before);
    if (start < 0) return { status: sawEmpty ? 'empty' : 'none' };
    const box = readBox(text, start);
    if (box.status !== 'empty') return box.status === 'ok' ? { status: 'ok', content: box.content } : { status: box.status };
    sawEmpty = true;
    before = start; // an echoed `\boxed{}`: look further back
  }
}

/** Every top-level non-empty box, in order; stops at an unbalanced one. Linear: nested boxes are skipped. */
export function allBoxes(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = nextBoxStart(text, from);
    if (start < 0) return out;
    const box = readBox(text, start);
    if (box.status === 'unbalanced') return out;
    if (box.status === 'ok') out.push(box.content);
    from = box.end;
  }
}

type ReadBox = { status: 'ok'; content: string; end: number } | { status: 'empty'; end: number } | { status: 'unbalanced' | 'none'; end: number };

function readBox(text: string, start: number): ReadBox {
  let i = start + (text.startsWith('\\boxed', start) ? '\\boxed'.length : '\\fbox'.length);
  const afterName = i;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] !== '{') {
    // `\boxed 5` form: the reference takes everything up to the next `$`; we also
    // stop at whitespace so trailing prose is not swallowed.
    if (i === afterName) return { status: 'none', end: i };
    let end = i;
    while (end < text.length && !/[\s$]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    return token.length === 0 ? { status: 'empty', end } : { status: 'ok', content: token, end };
  }
  const j = matchBrace(text, i); // escaped `\{` and `\}` are literal braces
  if (j >= 0) {
    const content = text.slice(i + 1, j).trim();
    return content.length === 0 ? { status: 'empty', end: j + 1 } : { status: 'ok', content, end: j + 1 };
  }
  return { status: 'unbalanced', end: text.length };
}

/** Start of the last `\boxed`/`\fbox` command beginning before `before`, or -1. */
function lastBoxStart(text: string, before: number): number {
  return Math.max(lastCommand(text, '\\boxed', before), lastCommand(text, '\\fbox', before));
}

function nextBoxStart(text: string, from: number): number {
  const a = nextCommand(text, '\\boxed', from);
  const b = nextCommand(text, '\\fbox', from);
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/** Last index (< before) of a LaTeX command name not followed by a letter (so `\boxed` does not match `\boxedx`). */
function lastCommand(text: string, name: string, before: number): number {
  let at = before <= 0 ? -1 : text.lastIndexOf(name, before - 1);
  while (at >= 0) {
    const next = text[at + name.length];
    if (next === undefined || !/[a-zA-Z]/.test(next)) return at;
    at = at === 0 ? -1 : text.lastIndexOf(name, at - 1);
  }
  return -1;
}

function nextCommand(text: string, name: string, from: number): number {
  let at = text.indexOf(name, from);
  while (at >= 0) {
    const next = text[at + name.length];
    if (next === undefined || !/[a-zA-Z]/.test(next)) return at;
    at = text.indexOf(name, at + 1);
  }
  return -1;
}
