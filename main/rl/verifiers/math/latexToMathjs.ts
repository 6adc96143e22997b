/**
 * Rewrites a normalised LaTeX answer into plain mathjs expression syntax:
 * `\frac{a}{b}` → `((a)/(b))`, `\sqrt{x}` → `sqrt((x))`, `\sqrt[n]{x}` →
 * `nthRoot((x),(n))`, `\cdot` `\times` → `*`, `\div` → `/`, `\pi` → `pi`,
 * `\sin` `\cos` `\tan` `\ln` `\log` `\exp` → calls (`\log` is natural, as sympy's
 * LaTeX parser reads it), `^{...}` and other braces → parentheses, and a
 * mixed number `2\frac{1}{2}` → `(2+1/2)` (school notation, not a product).
 *
 * Returns null for anything it does not understand (any other command,
 * subscripts, `=`, `<`, `\infty`, quotes, brackets): such answers are only ever
 * compared as strings. The output is text for safeParse's whitelist, never for
 * JavaScript evaluation.
 *
 * Deliberately not here: tuples and intervals (split before this) and any
 * check of names or sizes (safeParse.ts).
 */
import { matchBrace } from './normalizeAnswer.js';

const SIMPLE: Record<string, string> = {
  cdot: '*',
  times: '*',
  div: '/',
  pi: ' pi ',
  sin: ' sin',
  cos: ' cos',
  tan: ' tan',
  ln: ' log',
  log: ' log',
  exp: ' exp',
};

/** Longest mathjs text we produce; the symbolic path gives up above it (brief: bounded length). */
export const MAX_EXPRESSION_CHARS = 200;

export function latexToMathjs(latex: string): string | null {
  const mixed = /^(-?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/.exec(latex);
  if (mixed) return `${mixed[1]}(${mixed[2]}+(${mixed[3]})/(${mixed[4]}))`;
  const out = convert(latex, 0);
  if (out === null || out.length > 4 * MAX_EXPRESSION_CHARS) return null;
  return /^[0-9a-zA-Z.+\-*/^(), ]*$/.test(out) ? out : null;
}

function convert(s: string, depth: number): string | null {
  if (depth > 20) return null;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c === '{' ? '(' : c === '}' ? ')' : c;
      i++;
      continue;
    }
    const name = /^\\([a-zA-Z]+)/.exec(s.slice(i, i + 20))?.[1];
    if (name === undefined) return null; // `\{`, `\,` and friends: not an expression
    i += name.length + 1;
    if (name === 'frac') {
      const num = group(s, i, depth);
      if (!num) return null;
      const den = group(s, num.end, depth);
      if (!den) return null;
      out += `((${num.text})/(${den.text}))`;
      i = den.end;
    } else if (name === 'sqrt') {
      let index: string | null = null;
      if (s[i] === '[') {
        const close = s.indexOf(']', i);
        if (close < 0) return null;
        index = convert(s.slice(i + 1, close), depth + 1);
        if (index === null) return null;
        i = close + 1;
      }
      const arg = group(s, i, depth);
      if (!arg) return null;
      out += index === null ? ` sqrt((${arg.text}))` : ` nthRoot((${arg.text}),(${index}))`;
      i = arg.end;
    } else if (Object.hasOwn(SIMPLE, name)) {
      out += SIMPLE[name];
    } else {
      return null;
    }
  }
  return out;
}

/** A `{...}` group at `at` (spaces allowed before it), converted recursively. */
function group(s: string, at: number, depth: number): { text: string; end: number } | null {
  let i = at;
  while (s[i] === ' ') i++;
  if (s[i] !== '{') return null;
  const close = matchBrace(s, i);
  if (close < 0) return null;
  const text = convert(s.slice(i + 1, close), depth + 1);
  return text === null ? null : { text, end: close + 1 };
}
