/**
 * Math answer equivalence: at least as permissive on notation as the
 * reference grader (ALGORITHMS.md §5: Hendrycks string match OR sympy
 * equality) and strictly exact on value (§7 item 6).
 *
 * Order of checks, each on normalizeAnswer's output:
 * 1. equal strings → equal;
 * 2. unions `A\cup B` → same number of parts, compared in order;
 * 3. lists (splitList) → same brackets and length, element-wise (sets as multisets);
 * 4. both sides purely numeric → exact rational comparison (BigInt), so
 *    integers beyond 2^53, fractions and decimals are exact;
 * 5. otherwise symbolicEqual (mathjs behind a whitelist) with two exactness
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

export function mathEqual(groundTruth: string, predicted: string): boolean {
  const a = normalizeAnswer(groundTruth);
  const b = normalizeAnswer(predicted);
  if (a.length === 0 || b.length === 0) return false;
  return structuredEqual(a, b, 0);
}

function structuredEqual(a: string, b: string, depth: number): boolean {
  if (a === b) return true;
  if (depth > 3) return false;
  const ua = splitTop(a, '\\cup');
  const ub = splitTop(b, '\\cup');
  if ((ua && ua.length > 1) || (ub && ub.length > 1)) {
    if (!ua || !ub || ua.length !== ub.length) return false;
    return ua.every((x, k) => structuredEqual(x, ub[k]!, depth + 1));
  }
  const la = splitList(a);
  const lb = splitList(b);
  if (la || lb) {
    if (!la || !lb || la.open !== lb.open || la.close !== lb.close || la.items.length !== lb.items.length) return false;
    if (la.open === '\\{') return multisetEqual(la.items, lb.items, depth);
    return la.items.every((x, k) => structuredEqual(x, lb.items[k]!, depth + 1));
  }
  return valueEqual(a, b);
}

function multisetEqual(xs: string[], ys: string[], depth: number): boolean {
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
