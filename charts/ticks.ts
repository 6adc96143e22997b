/** Axis ticks and labels: nice round values (d3's algorithm) and compact labels. */
import { ticks as d3ticks, extent, scaleLinear } from 'd3';

/**
 * About `count` nice round ticks over [lo, hi]. `integer` keeps whole numbers
 * only, for axes whose values are (steps): a run with 3 steps gets 1, 2, 3,
 * never 1.5. (d3 computes integer ticks exactly, so the filter is safe.)
 */
export function niceTicks(lo: number, hi: number, count: number, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return integer && !Number.isInteger(lo) ? [] : [lo];
  const ticks = d3ticks(Math.min(lo, hi), Math.max(lo, hi), Math.max(1, count));
  return integer ? ticks.filter((t) => Number.isInteger(t)) : ticks;
}

/**
 * Labels for a set of ticks, all different: the compact formatValue labels
 * when they differ, else every label gets the precision the tick spacing
 * needs (10.02 and 10.04 are not both "10.0"; 1000.5 is not "1001" next to 1001).
 */
export function tickLabels(ticks: number[]): string[] {
  const unique = (labels: string[]) => new Set(labels).size === labels.length;
  const compact = plainTickLabels(ticks) ?? ticks.map(formatValue);
  if (unique(compact)) return compact;
  let step = Infinity;
  for (let i = 1; i < ticks.length; i++) {
    const d = Math.abs(ticks[i]! - ticks[i - 1]!);
    if (d > 0) step = Math.min(step, d);
  }
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e6 || big < 1e-3) {
    for (let p = 2; p <= 15; p++) {
      const labels = ticks.map((t) => (t === 0 ? '0' : t.toExponential(p)));
      if (unique(labels)) return labels;
    }
  } else {
    for (let d = Number.isFinite(step) ? Math.max(0, -Math.floor(Math.log10(step))) : 0; d <= 15; d++) {
      const labels = ticks.map((t) => t.toFixed(d));
      if (unique(labels)) return labels;
    }
  }
  return ticks.map(String);
}

/**
 * Ticks between 0.001 and a million as fixed-point numbers with exactly the
 * decimals the tick spacing needs: 0, 5, 10, 15, 20 (never "20.0"), 0.002,
 * 0.004, 0.25. Null outside that range (exponent labels).
 */
function plainTickLabels(ticks: number[]): string[] | null {
  if (ticks.length === 0) return [];
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e6 || (big > 0 && big < 1e-3)) return null;
  let step = Infinity;
  for (let i = 1; i < ticks.length; i++) {
    const d = Math.abs(ticks[i]! - ticks[i - 1]!);
    if (d > 0) step = Math.min(step, d);
  }
  if (!Number.isFinite(step)) return ticks.map(formatValue);
  let decimals = Math.min(15, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  // Spacings such as 0.25 need one more digit than their order of magnitude.
  while (decimals < 15 && ticks.some((t) => Math.abs(Number(t.toFixed(decimals)) - t) > step * 1e-6)) decimals++;
  // Whole numbers without decimals ("1", "20"); the others with what the spacing needs ("0.25", "0.50").
  return ticks.map((t) => (Math.abs(t) < step / 2 ? '0' : t.toFixed(decimals).replace(/\.0+$/, '')));
}

/**
 * Relative spread below which a series is drawn as constant. Metrics are
 * float32 arithmetic (the engine and the optimiser state are F32): a value
 * that "is" 0.005 comes back as 0.004999998, 2 as 2.0000004, i.e. a relative
 * wobble of ~1e-7 (float32's epsilon is 1.2e-7, a few operations accumulate
 * several). 1e-5 is two orders above that and far below any change a person
 * reads off a chart, so a constant learning rate or length looks constant.
 */
export const CONSTANT_RELATIVE_SPREAD = 1e-5;

/**
 * The y-domain of a chart. A (near-)constant series gets a domain from 0 to
 * twice its value (the line in the middle, zero in view) instead of being
 * magnified until float noise looks like spikes; otherwise the finite extent
 * padded 5 % and widened to round tick values (d3's nice()). [0, 1] when
 * nothing is finite.
 */
export function chartDomain(values: Iterable<number>, tickCount = 5): [number, number] {
  let a = Infinity, b = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { if (v < a) a = v; if (v > b) b = v; }
  if (a > b) return [0, 1];
  const scale = Math.max(Math.abs(a), Math.abs(b));
  if (b - a <= CONSTANT_RELATIVE_SPREAD * scale) {
    const c = (a + b) / 2;
    if (c === 0) return [-1, 1];
    return c > 0 ? [0, 2 * c] : [2 * c, 0];
  }
  const pad = (b - a) * 0.05;
  // Do not pad a non-negative series below zero (fractions, counts, lengths).
  const lo = a >= 0 && a - pad < 0 ? 0 : a - pad;
  const [nlo, nhi] = scaleLinear().domain([lo, b + pad]).nice(Math.max(2, tickCount)).domain() as [number, number];
  return [nlo, nhi];
}

/** A y-domain covering every finite value, padded 5 %; [0, 1] when nothing is finite. */
export function paddedExtent(values: Iterable<number>): [number, number] {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  const [a, b] = extent(finite) as [number | undefined, number | undefined];
  if (a === undefined || b === undefined) return [0, 1];
  if (a === b) return [a - (Math.abs(a) * 0.1 || 1), b + (Math.abs(b) * 0.1 || 1)];
  const pad = (b - a) * 0.05;
  return [a - pad, b + pad];
}

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1).replace(/\.0$/, '');
  return v.toPrecision(3).replace(/\.?0+$/, '');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  // Sub-second steps in milliseconds: a 0.25 s step is "250 ms", never "0.0 s".
  if (seconds < 1) return seconds < 0.0005 ? '< 1 ms' : `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}
