/**
 * Exact value of a purely numeric expression as a BigInt fraction, or null.
 * Accepts integers of any length, decimals, bounded scientific notation,
 * + - * / ^ (integer exponents), unary signs and parentheses: the mathjs-syntax
 * output of latexToMathjs for answers like `\frac{-3}{4}`, `2^{64}`, `0.1+0.2`,
 * `1.5\times10^{3}`. Comparing these as rationals is what makes value checks
 * exact: 2^53+1 differs from 2^53 (the reference compares floats and accepts
 * them, §7 item 6) and 0.1+0.2 equals 0.3.
 *
 * A hand-written recursive-descent parser rather than mathjs, because mathjs
 * turns `123456789012345678901` into a float before we could look at it.
 *
 * Deliberately not here: letters of any kind (symbols, `pi`, `sqrt`), which
 * return null and are left to symbolicEqual. Sizes are bounded: exponents
 * |e| <= 1000, e-notation |e| <= 1000, and any intermediate over MAX_BITS bits
 * gives null, so `9^9^9^9` and `1e999999` cost microseconds.
 */

export interface Rational {
  /** Numerator; the sign lives here. */
  n: bigint;
  /** Denominator, always > 0 and coprime with n. */
  d: bigint;
  /** True if any literal was written with a decimal point or an exponent (an approximation, perhaps). */
  decimal: boolean;
}

const MAX_EXPONENT = 1000n;
const MAX_BITS = 100_000;

export function exactRational(expr: string): Rational | null {
  // Letters other than e-notation's `e` mean symbols; digits split by a space are two numbers.
  if (expr.length > 2000 || /[a-df-zA-DF-Z_\\]/.test(expr) || /[\d.]\s+[\d.]/.test(expr)) return null;
  const p = new Parser(expr.replace(/\s+/g, ''));
  try {
    const value = p.expression();
    return p.done() ? value : null;
  } catch {
    return null; // malformed, division by zero, or over a size bound
  }
}

export function rationalEquals(a: Rational, b: Rational): boolean {
  return a.n * b.d === b.n * a.d;
}

/** Whether |r| is below 2^53, i.e. representable exactly as a float integer part. */
export function isSafeMagnitude(r: Rational): boolean {
  const abs = r.n < 0n ? -r.n : r.n;
  return abs < 2n ** 53n * r.d;
}

export function isInteger(r: Rational): boolean {
  return r.d === 1n;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i === this.s.length;
  }

  expression(): Rational {
    let acc = this.term();
    for (;;) {
      const c = this.s[this.i];
      if (c !== '+' && c !== '-') return acc;
      this.i++;
      const rhs = this.term();
      acc = c === '+' ? add(acc, rhs) : add(acc, neg(rhs));
    }
  }

  private term(): Rational {
    let acc = this.unary();
    for (;;) {
      const c = this.s[this.i];
      if (c !== '*' && c !== '/') return acc;
      this.i++;
      const rhs = this.unary();
      acc = c === '*' ? mul(acc, rhs) : mul(acc, inv(rhs));
    }
  }

  private unary(): Rational {
    const c = this.s[this.i];
    if (c === '-' || c === '+') {
      this.i++;
      const v = this.unary();
      return c === '-' ? neg(v) : v;
    }
    return this.power();
  }

  private power(): Rational {
    const base = this.atom();
    if (this.s[this.i] !== '^') return base;
    this.i++;
    const exp = this.unary(); // right-associative: 2^3^2 = 2^9
    if (exp.d !== 1n) throw new Error('non-integer exponent');
    return pow(base, exp.n);
  }

  private atom(): Rational {
    if (this.s[this.i] === '(') {
      this.i++;
      const v = this.expression();
      if (this.s[this.i] !== ')') throw new Error('expected )');
      this.i++;
      return v;
    }
    const m = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d{1,5}))?|^\.(\d+)(?:[eE]([+-]?\d{1,5}))?/.exec(this.s.slice(this.i, this.i + 1100));
    if (!m) throw new Error('expected a number');
    this.i += m[0].length;
    const intPart = m[1] ?? '0';
    const frac = m[2] ?? m[4] ?? '';
    const expText = m[3] ?? m[5];
    const exp = expText === undefined ? 0n : BigInt(expText);
    if (exp > MAX_EXPONENT || exp < -MAX_EXPONENT) throw new Error('exponent too large');
    const decimal = m[0].includes('.') || expText !== undefined;
    let n = BigInt(intPart + frac);
    let d = 10n ** BigInt(frac.length);
    if (exp >= 0n) n *= 10n ** exp;
    else d *= 10n ** -exp;
    return make(n, d, decimal);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function make(n: bigint, d: bigint, decimal: boolean): Rational {
  if (d === 0n) throw new Error('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  const r = g > 1n ? { n: n / g, d: d / g, decimal } : { n, d, decimal };
  if (bits(r.n) > MAX_BITS || bits(r.d) > MAX_BITS) throw new Error('number too large');
  return r;
}

function bits(x: bigint): number {
  return (x < 0n ? -x : x).toString(16).length * 4;
}

const add = (a: Rational, b: Rational) => make(a.n * b.d + b.n * a.d, a.d * b.d, a.decimal || b.decimal);
const mul = (a: Rational, b: Rational) => make(a.n * b.n, a.d * b.d, a.decimal || b.decimal);
const neg = (a: Rational): Rational => ({ ...a, n: -a.n });
const inv = (a: Rational) => make(a.d, a.n, a.decimal);

function pow(base: Rational, e: bigint): Rational {
  if (e > MAX_EXPONENT || e < -MAX_EXPONENT) throw new Error('exponent too large');
  // Bound the result before computing it: bits(base^e) ~ e * bits(base).
  const size = Math.max(bits(base.n), bits(base.d)) * Number(e < 0n ? -e : e);
  if (size > MAX_BITS) throw new Error('power too large');
  const k = e < 0n ? -e : e;
  const r = make(base.n ** k, base.d ** k, base.decimal);
  return e < 0n ? inv(r) : r;
}
