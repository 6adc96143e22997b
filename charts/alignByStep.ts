/**
 * Aligning several series by step (not by index): the readout at the hovered
 * step and the data table's rows. Series miss different steps, so the k-th
 * value of one series is not the k-th of another.
 */
import type { ChartSeries } from './chartTypes.js';
import { nearestIndex } from './nearest.js';

/** Index of exactly `step` in an ascending array, or -1. */
export function indexOfStep(steps: ArrayLike<number>, step: number): number {
  let lo = 0, hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = steps[mid]!;
    if (v === step) return mid;
    if (v < step) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

export const stepsOf = (s: ChartSeries): ArrayLike<number> => s.steps ?? s.xs;

/**
 * The point nearest to x over all series: its step and x. The readout then
 * shows every series' value at that step (or none), never a neighbour's.
 */
export function hoveredStep(series: ChartSeries[], x: number): { step: number; x: number } | null {
  let best: { step: number; x: number; d: number } | null = null;
  for (const s of series) {
    const k = nearestIndex(s.xs, x);
    if (k < 0) continue;
    const d = Math.abs(s.xs[k]! - x);
    if (!best || d < best.d) best = { step: stepsOf(s)[k]!, x: s.xs[k]!, d };
  }
  return best && { step: best.step, x: best.x };
}

/** The last `n` steps that any series has, ascending, each with every series' index at it (-1 = no value). */
export function tableRows(series: ChartSeries[], n: number): { step: number; x: number; idx: number[] }[] {
  const steps = new Map<number, number>();
  for (const s of series) {
    const st = stepsOf(s);
    for (let k = Math.max(0, st.length - n); k < st.length; k++) if (!steps.has(st[k]!)) steps.set(st[k]!, s.xs[k]!);
  }
  return [...steps.entries()].sort((a, b) => a[0] - b[0]).slice(-n)
    .map(([step, x]) => ({ step, x, idx: series.map((s) => indexOfStep(stepsOf(s), step)) }));
}
