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
 * - a function or membership left-hand side `f(x) =`, `g^{-1}(t) =`, `x \in`;
 * - a repeating decimal `0.\overline{3}`, `1.2\overline{34}`, `0.\dot{6}` → the exact fraction;
 * - a short sentence around one number (`The answer is 5`, `5 marbles`) → that number,
 *   unless it holds a hedge, negation or connective (`not 5`, `5 or more`, `about 5`).
 *
 * Deliberately not here: any value judgement (mathEqual.ts), tuple splitting
 * (splitList.ts), lower-casing (variables are case-sensitive; text answers are
 * folded in mathEqual). The input is never cut (a cut would make a long wrong
 * answer with a right prefix equal); every regex below is linear in its length.
 */

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
/** A unit after a number at the end of the answer; matched on the last UNIT_TAIL characters only. */
const UNIT_RE = new RegExp(
  String.raw`[0-9}).]\s*(?:square\s+|sq\.?\s*|cubic\s+)?(?:${UNITS.map((u) => u.replace(/[/.]/g, '\\$&')).join('|')})(?:\^\{?[23]\}?|\s+squared|\s+cubed)?$`,
  'i',
);
const UNIT_TAIL = 80;

export function normalizeAnswer(raw: string): string {
  let s = raw;
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  s = s.trim();
  // Hendrycks `_remove_right_units`: a trailing `\text{ marbles}` (note the space) is a unit. Only when it
  // ends the answer and holds plain words that are not connectives: `72\text{ or }73` is two answers.
  const unitText = /\\(?:text|mbox)\{\s+([a-zA-Z][a-zA-Z .]{0,40})\}\s*(?:\^\{?[23]\}?)?[.\s]*$/.exec(s);
  if (unitText && unitText.index > 0 && !hasConnective(unitText[1]!)) s = s.slice(0, unitText.index);
  s = unwrapCommands(s);
  s = repeatingDecimal(s);
  s = s
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|displaystyle|textstyle)(?![a-zA-Z])/g, '')
    .replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\(?:quad|qquad)(?![a-zA-Z])/g, ' ')
    // Spacing commands `\,` `\;` `\ `; `\\` (a row break) is one token, so `\\ ` keeps both backslashes.
    .replace(/\\(\\|[!,;: ])/g, (m) => (m === '\\\\' ? m : ' '))
    .replace(/~/g, ' ')
    .replace(/\{,\}/g, ',')
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])/g, '')
    .replace(/\\%|%/g, '')
    .replace(/\\\$|\$/g, '')
    .trim();
  s = stripTrailing(s);
  const tailFrom = Math.max(0, s.length - UNIT_TAIL);
  const unit = UNIT_RE.exec(s.slice(tailFrom));
  if (unit) s = stripTrailing(s.slice(0, tailFrom + unit.index + 1).trim());
  // A short left-hand side (`x = 5`, `xy = 5`, `a_1 = 3`), as the reference drops `x=` of length <= 2,
  // a function's (`f(x) =`, `g^{-1}(t) =`, Math-Verify's rule) or a membership (`x \in [0,1)`).
  const lhs = /^[a-zA-Z][a-zA-Z0-9]?(?:_\{?[a-zA-Z0-9]+\}?)?\s*=\s*/.exec(s)
    ?? /^[a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?(?:\^\{?-1\}?)?\s*\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z]){0,3}\s*\)\s*=\s*/.exec(s)
    ?? /^[a-zA-Z]\s*\\in(?![a-zA-Z])\s*/.exec(s);
  if (lhs && !s.slice(lhs[0].length).includes('=')) s = s.slice(lhs[0].length);
  s = numberInSentence(s);
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

/** Words that make a sentence or unit text more than one plain answer (`5 or 6`, `not 5`, `about 5`). */
const CONNECTIVES = new Set([
  'and', 'or', 'nor', 'but', 'not', 'no', 'never', 'cannot', 'except', 'either', 'neither', 'than', 'to', 'between',
  'approximately', 'approx', 'about', 'around', 'roughly', 'nearly', 'almost', 'maybe', 'perhaps', 'probably', 'possibly',
  'over', 'under', 'least', 'most', 'more', 'less', 'fewer', 'greater', 'plus', 'minus', 'times', 'divided', 'per',
  'wrong', 'incorrect', 'false', 'impossible', 'invalid', 'undefined', 'none', 'unknown', 'if', 'unless', 'also', 'only',
]);
/** Math names that are not prose words (`2 pi`, `\sin x` written without the backslash). */
const MATH_WORDS = new Set(['pi', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'log', 'ln', 'exp', 'sqrt', 'abs', 'mod', 'deg', 'rad']);

function hasConnective(text: string): boolean {
  return text.toLowerCase().split(/[\s.]+/).some((w) => CONNECTIVES.has(w) || w.endsWith("n't"));
}

/**
 * `The answer is 5`, `5 marbles`, `so the total is 1,234`: a sentence of at most 12 plain words
 * (two or more letters each, none a math name) around exactly one number becomes that number.
 * Anything else (a second number, an operator, a hedge) is left alone and compares as text.
 */
function numberInSentence(s: string): string {
  if (s.length > 120 || !/[a-zA-Z]{2}/.test(s) || /[\\^_{}=<>+*/()[\]]/.test(s)) return s;
  const tokens = s.replace(/[:;!?]/g, ' ').trim().split(/\s+/);
  if (tokens.length > 13) return s;
  const numbers = tokens.filter((t) => /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[.,]?$/.test(t));
  if (numbers.length !== 1) return s;
  const words = tokens.filter((t) => t !== numbers[0]).map((t) => t.replace(/[.,'"]+$/, '').replace(/'s$/, '').toLowerCase());
  const plain = words.every((w) => /^[a-z]{2,}$/.test(w) && !MATH_WORDS.has(w));
  if (!plain || words.length === 0 || hasConnective(words.join(' '))) return s;
  return numbers[0]!.replace(/[.,]$/, '');
}

/**
 * A repeating decimal `a.b\overline{c}` (or `\dot{c}`, a one-digit `\overline3`) as the exact fraction
 * (abc − ab) / ((10^|c| − 1)·10^|b|), so `0.\overline{3}` equals `\frac{1}{3}` (Math-Verify reads
 * these too). Only when the repeating decimal is the whole answer or a whole list item.
 */
function repeatingDecimal(s: string): string {
  return s.replace(/(^|[^\d.])(-?)(\d*)\.(\d*)\\(?:overline|dot)\s*(?:\{(\d{1,20})\}|(\d))(?![\d.])/g, (_m, pre: string, sign: string, a: string, b: string, c1?: string, c2?: string) => {
    const c = c1 ?? c2 ?? '';
    if (a.length + b.length > 40) return _m;
    const whole = BigInt(a + b + c || '0') - BigInt(a + b || '0');
    const den = (10n ** BigInt(c.length) - 1n) * 10n ** BigInt(b.length);
    return `${pre}${sign}\\frac{${whole}}{${den}}`;
  });
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
