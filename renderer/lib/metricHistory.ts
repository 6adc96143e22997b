/**
 * The client-side copy of a run's metrics: loaded once (downsampled by the
 * server when long), then appended to from run.step events without refetching.
 * Arrays are plain (not reactive proxies); `version` tells views to redraw.
 *
 * Steps are held as people count them (stepNumbers.ts: stored + 1). Not every
 * metric is logged at every step (accuracy among truncated completions only
 * when some were truncated, CLIPO's similarities only with valid pairs), so
 * each series also keeps `gaps`: gaps[k] counts the steps the run logged but
 * this series missed, up to point k. A chart breaks its line between two
 * points whose counts differ, and never lines up one series' k-th value with
 * another's: alignment is always by step.
 */
import type { MetricSeries } from '../../main/api/contract/index.js';
import { M } from '../../main/api/contract/metricNames.js';
import { shownStep } from './stepNumbers.js';

export interface HistorySeries {
  steps: number[];
  times: number[];
  values: number[];
  /** Cumulative count of missed run steps before each point (see the file comment). */
  gaps: number[];
  min?: number[] | undefined;
  max?: number[] | undefined;
}

const num = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

/** Cumulative gap counts of `steps` against the run's sorted step list (both ascending). */
export function gapCounts(steps: readonly number[], runSteps: readonly number[]): number[] {
  const out = new Array<number>(steps.length);
  let j = 0, count = 0, prevPos = -1;
  for (let i = 0; i < steps.length; i++) {
    while (j < runSteps.length && runSteps[j]! < steps[i]!) j++;
    if (i > 0 && j - prevPos > 1) count++;
    out[i] = count;
    prevPos = j;
  }
  return out;
}

/**
 * For server-downsampled series (bucket representatives, each series bucketed
 * over its own step range) the run's step list cannot say what is missing; a
 * spacing over twice the series' median spacing is a gap.
 */
export function gapCountsBySpacing(steps: readonly number[]): number[] {
  const d: number[] = [];
  for (let i = 1; i < steps.length; i++) d.push(steps[i]! - steps[i - 1]!);
  const med = d.length ? [...d].sort((a, b) => a - b)[Math.floor(d.length / 2)]! : 1;
  const out = [0];
  for (let i = 1; i < steps.length; i++) out.push(out[i - 1]! + (d[i - 1]! > 2 * med ? 1 : 0));
  return out.slice(0, steps.length);
}

export class MetricHistory {
  readonly series = new Map<string, HistorySeries>();
  /** Every step (shown numbering) at which the run logged anything, ascending. */
  runSteps: number[] = [];
  lastStep = -Infinity;
  /** True when some series came back downsampled (a zoom refetches full resolution). */
  downsampled = false;

  load(list: MetricSeries[]): void {
    this.series.clear();
    this.downsampled = list.some((s) => s.min && s.max);
    const all = new Set<number>();
    for (const s of list) for (const st of s.steps) all.add(shownStep(st));
    this.runSteps = [...all].sort((a, b) => a - b);
    this.lastStep = this.runSteps.length ? this.runSteps[this.runSteps.length - 1]! : -Infinity;
    for (const s of list) {
      const steps = s.steps.map(shownStep);
      const h: HistorySeries = {
        steps, times: s.times.map(num), values: s.values.map(num),
        gaps: this.downsampled ? gapCountsBySpacing(steps) : gapCounts(steps, this.runSteps),
      };
      if (s.min && s.max) { h.min = s.min.map(num); h.max = s.max.map(num); }
      this.series.set(s.name, h);
    }
  }

  /** Adds one stored step's metrics; ignores steps already held (events can race the initial load). */
  append(storedStep: number, metrics: Record<string, number | null>): boolean {
    const step = shownStep(storedStep);
    if (step <= this.lastStep) return false;
    const prevRunStep = this.lastStep;
    this.lastStep = step;
    this.runSteps.push(step);
    const time = num(metrics[M.elapsed]);
    for (const [name, value] of Object.entries(metrics)) {
      let h = this.series.get(name);
      if (!h) { h = { steps: [], times: [], values: [], gaps: [] }; this.series.set(name, h); }
      const n = h.steps.length;
      h.gaps.push(n === 0 ? 0 : h.gaps[n - 1]! + (h.steps[n - 1] !== prevRunStep ? 1 : 0));
      h.steps.push(step);
      h.times.push(time);
      h.values.push(num(value));
      if (h.min && h.max) { h.min.push(num(value)); h.max.push(num(value)); }
    }
    return true;
  }

  names(): string[] {
    return [...this.series.keys()];
  }

  /** The last n steps as rows (for the health alarms); steps in shown numbering. */
  recent(n: number): { step: number; metrics: Record<string, number> }[] {
    const rows = new Map<number, Record<string, number>>();
    for (const [name, h] of this.series) {
      for (let i = Math.max(0, h.steps.length - n); i < h.steps.length; i++) {
        const st = h.steps[i]!;
        let r = rows.get(st);
        if (!r) { r = {}; rows.set(st, r); }
        r[name] = h.values[i]!;
      }
    }
    return [...rows.entries()].sort((a, b) => a[0] - b[0]).slice(-n).map(([step, metrics]) => ({ step, metrics }));
  }
}
