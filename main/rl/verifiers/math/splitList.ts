/**
 * Splits a normalised answer into a bracketed list: a tuple `(1,2)`, an
 * interval `[0,1)`, a set `\{1,2\}`, or a bare comma list `1,2`. The
 * brackets are kept, because `(1,2)` and `[1,2]` are different intervals
 * (the reference's grade_answer also compares the first and last characters).
 * Commas only split at depth 0, so `(\frac{1}{2},f(1,2))` has two items.
 *
 * Returns null for a single value (no depth-0 comma) or unbalanced brackets.
 * Bounded: at most MAX_ITEMS items.
 *
 * Deliberately not here: thousands separators (normalizeAnswer removes
 * `1,234` before this sees it) and element comparison (mathEqual.ts).
 */

export interface SplitList {
  /** `(` `[` `\{`, or '' for a bare list. */
  open: string;
  /** `)` `]` `\}`, or ''. */
  close: string;
  items: string[];
}

const MAX_ITEMS = 1000;

export function splitList(s: string): SplitList | null {
  let open = '';
  let close = '';
  let body = s;
  if (s.startsWith('\\{') && s.endsWith('\\}')) {
    [open, close, body] = ['\\{', '\\}', s.slice(2, -2)];
  } else if (/^[([]/.test(s) && /[)\]]$/.test(s)) {
    [open, close, body] = [s[0]!, s[s.length - 1]!, s.slice(1, -1)];
  }
  const items = splitTop(body, ',');
  if (items === null) return null;
  if (items.length < 2) {
    // `(5)` is a parenthesised value, but `\{5\}` is a one-element set.
    return open === '\\{' && items.length === 1 ? { open, close, items } : null;
  }
  return items.length > MAX_ITEMS ? null : { open, close, items };
}

/**
 * Splits on a separator at bracket depth 0 (`,` or `\cup`); null when the
 * brackets are unbalanced.
 */
export function splitTop(s: string, sep: string): string[] | null {
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (depth === 0 && s.startsWith(sep, i) && sep.startsWith('\\')) {
        items.push(s.slice(from, i));
        from = i + sep.length;
        i += sep.length - 1;
        continue;
      }
      const next = s[i + 1];
      if (next === '{' || next === '[' || next === '(') depth++;
      else if (next === '}' || next === ']' || next === ')') depth--;
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && c === sep) {
      items.push(s.slice(from, i));
      from = i + 1;
    }
    if (depth < 0) return null;
  }
  if (depth !== 0) return null;
  items.push(s.slice(from));
  return items;
}
