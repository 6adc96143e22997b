// Equal-width bins of a list of counts for the prompt-length histogram (d3's
// bin with nice thresholds), plus the summary numbers shown beside it.
import { bin, extent, quantile } from 'd3';

export interface HistBin { x0: number; x1: number; count: number }

export function histogramBins(values: readonly number[], target = 20): HistBin[] {
  if (values.length === 0) return [];
  const [lo = 0, hi = 0] = extent(values) as [number, number];
  const b = bin().domain(lo === hi ? [lo, lo + 1] : [lo, hi + 1]).thresholds(target);
  return b([...values]).map((g) => ({ x0: g.x0 ?? lo, x1: g.x1 ?? hi, count: g.length }));
}

export function lengthSummary(values: readonly number[]): { min: number; median: number; p95: number; max: number } | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0]!, median: quantile(s, 0.5)!, p95: quantile(s, 0.95)!, max: s.at(-1)! };
}
