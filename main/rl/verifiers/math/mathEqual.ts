/**
 * Math answer equivalence: at least as permissive on notation as the
 * reference grader (ALGORITHMS.md §5: Hendrycks string match OR sympy
 * equality) and strictly exact on value (§7 item 6).
 *
 * Order of checks, each on normalizeAnswer's output:
 * 1. equal strings → equal;
 * 2. text answers (isText: words, not products of one-letter symbols) →
 *    case-insensitive text equality, never algebra, so "listen" ≠ "silent";
 * 3. matrices (`pmatrix`, `bmatrix`, ...) → same shape, cell by cell;
 * 4. unions `A\cup B` → same parts in any order (a union is a set);
 * 5. lists (splitList) → same brackets and length, element-wise (sets as multisets);
 * 6. both sides purely numeric → exact rational comparison (BigInt), so
 *    integers beyond 2^53, fractions and decimals are exact;
 * 7. otherwise symbolicEqual (mathjs behind a whitelist) with two exactness
 *    guards: a non-integer decimal never equals an irrational expression
 *    (`3.14159` ≠ `\pi`, as sympy's simplify(pi-3.14159) ≠ 0), and a rational
 *    of magnitude ≥ 2^53 only equals something exactly computable.
 *
 * Deliberately not here: extraction from the completion, and unordered
 * comparison of bare lists (`1,2` vs `2,1` differ; only `\{...\}` is a set).
 */
import { exactRational, isInteger, isSafeMagnitude, rationalEquals } from './exactRational.js';
import { latexToMathjs } from './latexToMathjs.js';
import { normalizeAnswer } from './normalizeAnswer.js';
import { splitList, splitTop } from './splitList.js';
import { symbolicEqual } from './symbolicEqual.js';

/** Above this many characters (either side, normalised) only string equality is tried: bounded work. */
export const MAX_STRUCTURED_CHARS = 5000;

export function mathEqual(groundTruth: string, predicted: string): boolean {
  const a = normalizeAnswer(groundTruth);
  const b = normalizeAnswer(predicted);
  if (a.length === 0 || b.length === 0) return false;
  if (a === b) return true;
  // Text answers are words, not products of one-letter symbols ("listen" is not "silent").
  const ta = isText(a);
  const tb = isText(b);
  if (ta || tb) return ta && tb && textKey(a) === textKey(b);
  if (a.length > MAX_STRUCTURED_CHARS || b.length > MAX_STRUCTURED_CHARS) return false;
  return structuredEqual(a, b, 0);
}

/** Functions and constants symbolicEqual knows by name; any other run of 3+ letters is prose. */
const KNOWN_WORDS = new Set(['sqrt', 'nthRoot', 'sin', 'cos', 'tan', 'log', 'exp', 'abs', 'pi']);

/**
 * A text answer: only letters and spaces (two or more letters), or any run of three or more
 * letters that is not a LaTeX command or a known function name (`Paris`, `72and73`, `blue car`).
 * `2ab`, `xy`, `\pi r^2` stay math.
 */
export function isText(s: string): boolean {
  if (/^[a-zA-Z][a-zA-Z ]+$/.test(s) && /[a-zA-Z]{2}/.test(s)) return true;
  const math = s.replace(/\\(?:begin|end)\{[a-zA-Z*]+\}/g, ' ');
  for (const m of math.matchAll(/\\?[a-zA-Z]{3,}/g)) {
    if (!m[0].startsWith('\\') && !KNOWN_WORDS.has(m[0])) return true;
  }
  return false;
}

/** Text compares case-insensitively, ignoring spaces and `\text{}`-style wrappers (already unwrapped). */
function textKey(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

function structuredEqual(a: string, b: string, depth: number): boolean {
  if (a === b) return true;
  if (depth > 3) return false;
  const ma = matrixRows(a);
  const mb = matrixRows(b);
  if (ma || mb) {
    if (!ma || !mb || ma.kind !== mb.kind || ma.rows.length !== mb.rows.length) return false;
    return ma.rows.every((r, i) => r.length === mb.rows[i]!.length && r.every((x, j) => structuredEqual(x, mb.rows[i]![j]!, depth + 1)));
  }
  // A union of intervals or sets is the same set in any order: compare its parts as a multiset.
  const ua = splitTop(a, '\\cup');
  const ub = splitTop(b, '\\cup');
  if ((ua && ua.length > 1) || (ub && ub.length > 1)) {
    if (!ua || !ub || ua.length !== ub.length) return false;
    return multisetEqual(ua, ub, depth);
  }
  const la = splitList(a);
  const lb = splitList(b);
  if (la || lb) {
    if (!la || !lb || la.open !== lb.open || la.close !== lb.close || la.items.length !== lb.items.length) return false;
    if (la.open === '\\{') return multisetEqual(la.items, lb.items, depth);
    return la.items.every((x, k) => structuredEqual(x, lb.items[k]!, depth + 1));
  }
  // Text inside a tuple, set or union is still text: `(listen, 5)` is not `(silent, 5)`.
  const ta = isText(a);
  const tb = isText(b);
  if (ta || tb) return ta && tb && textKey(a) === textKey(b);
  return valueEqual(a, b);
}

/**
 * `\begin{pmatrix}1&2\\3&4\end{pmatrix}` as rows of cells. pmatrix, bmatrix, Bmatrix and matrix are
 * the same matrix in other brackets (kind 'matrix'); vmatrix is a determinant (kind 'det').
 */
function matrixRows(s: string): { kind: string; rows: string[][] } | null {
  const m = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[lcr|]*\})?([\s\S]*)\\end\{\1\}$/.exec(s);
  if (!m) return null;
  const kind = /^[vV]matrix$/.test(m[1]!) ? 'det' : 'matrix';
  const rows = m[2]!.split('\\\\').map((r) => r.trim()).filter((r) => r.length > 0).map((r) => r.split('&').map((c) => c.trim()));
  return rows.length > 0 && rows.length <= 50 && rows.every((r) => r.length <= 50) ? { kind, rows } : null;
}

function multisetEqual(xs: string[], ys: string[], depth: number): boolean {
  // Large collections: the same multiset of normalised strings, or nothing (the pairwise search is quadratic).
  if (xs.length > 50) return [...xs].sort().join('\u0000') === [...ys].sort().join('\u0000');
  const used = new Array<boolean>(ys.length).fill(false);
  return xs.every((x) => {
    const k = ys.findIndex((y, j) => !used[j] && structuredEqual(x, y, depth + 1));
    if (k < 0) return false;
    used[k] = true;
    return true;
  });
}
function valueEqual(a: string, b: string): boolean {
  const ea = latexToMathjs(a);
  const eb = latexToMathjs(b);
  if (ea === null || eb === null) return false;
  const ra = exactRational(ea);
  const rb = exactRational(eb);
  if (ra && rb) return rationalEquals(ra, rb);
  const r = ra ?? rb;
  if (r && ((r.decimal && !isInteger(r)) || !isSafeMagnitude(r))) return false;
  return symbolicEqual(ea, eb);
}
