// The prompt-length histogram's bins: every value lands in exactly one bin,
// bins tile the range without gaps, and the summary is the order statistics.
import { describe, expect, it } from 'vitest';
import { histogramBins, lengthSummary } from '../../renderer/components/charts/histogramBins.js';

describe('histogramBins', () => {
  it('counts every value once over contiguous bins', () => {
    const values = [12, 15, 15, 20, 31, 44, 44, 44, 90, 130];
    const bins = histogramBins(values);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(values.length);
    for (let i = 1; i < bins.length; i++) expect(bins[i]!.x0).toBe(bins[i - 1]!.x1);
    expect(bins[0]!.x0).toBeLessThanOrEqual(12);
    expect(bins.at(-1)!.x1).toBeGreaterThan(130);
    const holding44 = bins.find((b) => b.x0 <= 44 && 44 < b.x1)!;
    expect(holding44.count).toBeGreaterThanOrEqual(3);
  });

  it('one distinct value is one bar; no values, no bars', () => {
    expect(histogramBins([7, 7, 7]).filter((b) => b.count > 0)).toEqual([expect.objectContaining({ count: 3 })]);
    expect(histogramBins([])).toEqual([]);
  });

  it('summarises min, median, 95th percentile and max', () => {
    expect(lengthSummary([5, 1, 3, 2, 4])).toEqual({ min: 1, median: 3, p95: 4.8, max: 5 });
    expect(lengthSummary([])).toBeNull();
  });
});
