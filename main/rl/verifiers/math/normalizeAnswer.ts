/**
 * Canonical string form of a math answer, so that notation differences vanish
 * before any value comparison. Covers what the reference's two normalisers do
 * (Hendrycks `_strip_string` and the PRM800K `_normalize`, ALGORITHMS.md §5)
 * plus the forms §7 item 6 says they miss:
 * - `\left` `\right` `\displaystyle`, `\dfrac`/`\tfrac` → `\frac`, `\frac12` → `\frac{1}{2}`, `\sqrt3` → `\sqrt{3}`;
 * - `\text{}` `\mathrm{}` `\textbf{}` `\mbox{}` `\boxed{}` `\fbox{}` unwrapped;
 * - `$`, `\$`, degrees (`^\circ`, `°`), percent signs (a unit: `50\%` equals `50`, not `0.5`);
 * - trailing unit words after a number (`cm`, `dollars`, `square units`, ...), and, as
 *   Hendrycks does, everything from a `\text{ ` with a leading space (`5\text{ marbles}`);
 * - a mixed number `7 3/4` → `7\frac{3}{4}` (read as 7¾ by latexToMathjs);
 * - Unicode minus and dashes, `×` `÷` `·` `π` `∞` `√`, thin and no-break spaces;
 * - thousands separators `1,234`, `7\,500`, `1{,}234`, `1 234`;
 * - a short left-hand side `x =` (one or two characters, optional subscript), a leading `+`,
 *   trailing periods, leading `.5` → `0.5`; all whitespace except after a command name.
 *
 * Deliberately not here: any value judgement (mathEqual.ts), tuple splitting
 * (splitList.ts), lower-casing (variables are case-sensitive). Input is cut to
 * MAX_ANSWER_CHARS first, and every regex below is linear on that bounded input.
 */
import { MAX_ANSWER_CHARS } from './extractBoxed.js';

const UNICODE: [RegExp, string][] = [
  [/[\u2212\u2012\u2013\u2014\u2010\u2011\uFE63\uFF0D]/g, '-'],
  [/\u00D7/g, '\\times '],
  [/\u00F7/g, '\\div '],
  [/[\u22C5\u00B7]/g, '\\cdot '],
  [/\u03C0/g, '\\pi '],
  [/\u221E/g, '\\infty '],
  [/\u221A/g, '\\sqrt'],
  [/\u00B0/g, ''],
  [/[\u00A0\u2009\u202F\u2007\u2008\u200A\u200B\u3000]/g, ' '],
];

/** Commands whose argument is kept and whose wrapper is dropped. */
const WRAPPERS = /\\(?:text|textbf|textit|textrm|textnormal|textup|mathrm|mathbf|mathit|mathsf|mathtt|mbox|hbox|boxed|fbox)\s*\{/;

/** Unit words removed after a number (reference PRM800K list plus money and metric abbreviations). */
const UNITS = [
  'square units', 'sq units', 'units', 'unit',
  'miles per hour', 'km/h', 'mph', 'kph', 'm/s',
  'centimeters', 'centimetres', 'centimeter', 'centimetre', 'cm',
  'millimeters', 'millimeter', 'mm', 'kilometers', 'kilometer', 'km',
  'meters', 'metres', 'meter', 'metre',
  'inches', 'inch', 'feet', 'foot', 'ft', 'yards', 'yard', 'miles', 'mile',
  'kilograms', 'kilogram', 'kg', 'grams', 'gram', 'pounds', 'pound', 'lbs', 'lb', 'ounces', 'ounce', 'oz',
  'liters', 'litres', 'liter', 'litre', 'ml', 'gallons', 'gallon',
  'dollars', 'dollar', 'cents', 'cent', 'euros', 'euro',
  'degrees', 'degree', 'radians', 'radian',
  'seconds', 'second', 'sec', 'minutes', 'minute', 'min', 'hours', 'hour', 'hrs', 'hr',
  'days', 'day', 'weeks', 'week', 'months', 'month', 'years', 'year',
  'people', 'students', 'apples', 'items', 'ways', 'times',
];
const UNIT_RE = new RegExp(
  String.raw`^([\s\S]*?[0-9}).])\s*(?:square\s+|sq\.?\s*|cubic\s+)?(?:${UNITS.map((u) => u.replace(/[/.]/g, '\\$&')).join('|')})(?:\^\{?[23]\}?|\s+squared|\s+cubed)?$`,
  'i',
);

export function normalizeAnswer(raw: string): string {
  let s = raw.length > MAX_ANSWER_CHARS ? raw.slice(0, MAX_ANSWER_CHARS) : raw;
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  // Hendrycks `_remove_right_units`: everything from `\text{ ` (note the space) on is a unit.
  const unitText = s.search(/\\(?:text|mbox)\{\s/);
  if (unitText > 0) s = s.slice(0, unitText);
  s = unwrapCommands(s);
  s = s
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|displaystyle|textstyle)(?![a-zA-Z])/g, '')
    .replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\(?:quad|qquad)(?![a-zA-Z])/g, ' ')
    .replace(/\\[!,;: ]/g, ' ')
    .replace(/~/g, ' ')
    .replace(/\{,\}/g, ',')
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])/g, '')
    .replace(/\\%|%/g, '')
    .replace(/\\\$|\$/g, '')
    .trim();
  s = stripTrailing(s);
  const unit = UNIT_RE.exec(s);
  if (unit && unit[1] !== undefined && unit[1].trim().length > 0) s = stripTrailing(unit[1].trim());
  // A short left-hand side (`x = 5`, `xy = 5`, `a_1 = 3`), as the reference drops `x=` of length <= 2.
  const lhs = /^[a-zA-Z][a-zA-Z0-9]?(?:_\{?[a-zA-Z0-9]+\}?)?\s*=\s*/.exec(s);
  if (lhs && !s.slice(lhs[0].length).includes('=')) s = s.slice(lhs[0].length);
  // A mixed number `7 3/4` (PRM800K's _inject_implicit_mixed_number) before spaces go.
  s = s.replace(/^(-?\d+)\s+(\d+)\/(\d+)$/, '$1\\frac{$2}{$3}');
  s = removeSpaces(s);
  // Thousands separators, only when the whole answer is one number with 3-digit groups.
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  s = s
    .replace(/\\frac(\d)(\d)/g, '\\frac{$1}{$2}')
    .replace(/\\frac(\d)\{/g, '\\frac{$1}{')
    .replace(/\\frac\{([^{}]*)\}(\d)/g, '\\frac{$1}{$2}')
    .replace(/\\sqrt(\d)/g, '\\sqrt{$1}')
    .replace(/(^|[^\d])\.(\d)/g, '$10.$2');
  return stripTrailing(s);
}

/** Removes `\text{...}`-style wrappers, keeping their (brace-matched) content. */
function unwrapCommands(input: string): string {
  let s = input;
  for (let guard = 0; guard < 64; guard++) {
    const m = WRAPPERS.exec(s);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) {
      s = s.slice(0, m.index) + s.slice(open + 1); // unbalanced: drop the command, keep the rest
    } else {
      s = s.slice(0, m.index) + s.slice(open + 1, close) + s.slice(close + 1);
    }
  }
  return s;
}

/** Index of the `}` matching the `{` at `open`, or -1. Escaped braces are skipped. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j;
  }
  return -1;
}

/** Trailing sentence punctuation: `5.`, `\frac{1}{2}.`, `x\\`, but not a decimal digit. */
function stripTrailing(s: string): string {
  let out = s.trimEnd();
  for (;;) {
    const next = out.replace(/(?:\\\.|\\\\|[.,;!])$/, '').trimEnd();
    if (next === out) return out;
    out = next;
  }
}

/** Drops whitespace except a single space after a command name followed by a letter (`\pi r`). */
function removeSpaces(s: string): string {
  return s.replace(/(\\[a-zA-Z]+)\s+(?=[a-zA-Z])/g, '$1\u0000').replace(/\s+/g, '').replace(/\u0000/g, ' ');
}
