/** Axis ticks and labels: nice round values (d3's algorithm) and compact labels. */
import { ticks as d3ticks, extent } from 'd3';

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
  const compact = ticks.map(formatValue);
  if (new Set(compact).size === compact.length) return compact;
  const unique = (labels: string[]) => new Set(labels).size === labels.length;
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
  if (a >= 10) return v.toFixed(1);
  return v.toPrecision(3).replace(/\.?0+$/, '');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
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
