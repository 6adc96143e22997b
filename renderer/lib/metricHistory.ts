/**
 * The client-side copy of a run's metrics: loaded once (downsampled by the
 * server when long), then appended to from run.step events without refetching.
 * Arrays are plain (not reactive proxies); `version` tells views to redraw.
 */
import type { MetricSeries } from '../../main/api/contract/index.js';
import { M } from '../../main/api/contract/metricNames.js';

export interface HistorySeries {
  steps: number[];
  times: number[];
  values: number[];
  min?: number[] | undefined;
  max?: number[] | undefined;
}

export class MetricHistory {
  readonly series = new Map<string, HistorySeries>();
  lastStep = -1;
  /** True when some series came back downsampled (a zoom refetches full resolution). */
  downsampled = false;

  load(list: MetricSeries[]): void {
    this.series.clear();
    this.downsampled = false;
    this.lastStep = -1;
    for (const s of list) {
      const h: HistorySeries = { steps: [...s.steps], times: [...s.times], values: [...s.values] };
      if (s.min && s.max) { h.min = [...s.min]; h.max = [...s.max]; this.downsampled = true; }
      this.series.set(s.name, h);
      const last = s.steps[s.steps.length - 1];
      if (last !== undefined && last > this.lastStep) this.lastStep = last;
    }
  }

  /** Adds one step's metrics; ignores steps already held (events can race the initial load). */
  append(step: number, metrics: Record<string, number>): boolean {
    if (step <= this.lastStep) return false;
    this.lastStep = step;
    const time = metrics[M.elapsed] ?? NaN;
    for (const [name, value] of Object.entries(metrics)) {
      let h = this.series.get(name);
      if (!h) { h = { steps: [], times: [], values: [] }; this.series.set(name, h); }
      h.steps.push(step);
      h.times.push(time);
      h.values.push(value === null ? NaN : value);
      if (h.min && h.max) { h.min.push(value); h.max.push(value); }
    }
    return true;
  }

  names(): string[] {
    return [...this.series.keys()];
  }

  /** The last n steps as rows (for the health alarms). */
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
