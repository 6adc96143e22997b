/**
 * Across-seed statistics for experiment reports: the mean with a two-sided
 * Student's t confidence interval (n − 1 degrees of freedom), and paired
 * differences (arm − baseline on the same seed). The t quantile comes from
 * the t distribution's CDF, I_x(ν/2, 1/2) with x = ν/(ν + t²) (Abramowitz &
 * Stegun 26.7.1), the regularized incomplete beta evaluated by Lentz's
 * continued fraction (Numerical Recipes §6.4, betacf), inverted by bisection.
 * Pure.
 */

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with ν degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with ν degrees of freedom (0 < p < 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`t quantile needs 0 < p < 1 and df > 0 (got p=${p}, df=${df})`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanCI {
  n: number;
  mean: number;
  /** sample standard deviation (n − 1); null for one value */
  sd: number | null;
  /** half-width of the two-sided interval; null for one value (no interval from one seed) */
  half: number | null;
  lo: number | null;
  hi: number | null;
}

/** Mean and two-sided `level` t interval of the finite values. */
export function meanCI(values: readonly number[], level = 0.95): MeanCI {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { n, mean: NaN, sd: null, half: null, lo: null, hi: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: null, half: null, lo: null, hi: null };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, half, lo: mean - half, hi: mean + half };
}

/**
 * Paired difference arm − baseline over the seeds both have (same seed = same
 * data order and initialisation, so seed-to-seed variation cancels).
 */
export function pairedDiff(arm: ReadonlyMap<number, number>, baseline: ReadonlyMap<number, number>, level = 0.95): MeanCI & { seeds: number[] } {
  const seeds = [...arm.keys()].filter((s) => baseline.has(s) && Number.isFinite(arm.get(s)!) && Number.isFinite(baseline.get(s)!)).sort((a, b) => a - b);
  return { ...meanCI(seeds.map((s) => arm.get(s)! - baseline.get(s)!), level), seeds };
}

/** Whether an interval excludes zero (a difference the seeds support at this level). */
export function separatesFromZero(ci: MeanCI): boolean {
  return ci.lo !== null && ci.hi !== null && (ci.lo > 0 || ci.hi < 0);
}
