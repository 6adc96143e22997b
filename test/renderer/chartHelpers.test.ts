import { describe, expect, it } from 'vitest';
import { lttbIndices, minMaxIndices } from '../../charts/downsample.js';
import { nearestIndex, rangeIndices } from '../../charts/nearest.js';
import { emaSmooth } from '../../charts/smoothing.js';
import { chartDomain, formatBytes, formatDuration, formatValue, niceTicks, paddedExtent, tickLabels } from '../../charts/ticks.js';
import { hoveredStep, indexOfStep, tableRows } from '../../charts/alignByStep.js';
import { gapCounts, gapCountsBySpacing, MetricHistory } from '../../renderer/lib/metricHistory.js';

describe('emaSmooth', () => {
  it('is the identity at weight 0 and debiased at the start', () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = emaSmooth([5, 5, 5, 5], 0.9);
    for (const v of s) expect(v).toBeCloseTo(5, 10);
  });
  it('matches the hand-computed recurrence', () => {
    const w = 0.5;
    const s = emaSmooth([0, 1], w);
    // last1 = 0, debiased 0; last2 = 0.5, debiased 0.5/(1-0.25) = 2/3
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(2 / 3, 12);
  });
  it('keeps NaN gaps without poisoning later values', () => {
    const s = emaSmooth([1, NaN, 1], 0.6);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBeCloseTo(1, 12);
  });
});

describe('minMaxIndices', () => {
  it('returns everything when short', () => {
    expect(minMaxIndices([0, 1, 2], [1, 2, 3], 10)).toEqual([0, 1, 2]);
  });
  it('keeps a one-step spike and a NaN among 10,000 points, with at most 4 per bucket', () => {
    const n = 10_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => Math.sin(i / 100));
    ys[4321] = 50;
    ys[7777] = NaN;
    const idx = minMaxIndices(xs, ys, 200);
    expect(idx.length).toBeLessThanOrEqual(1000);
    expect(idx).toContain(4321);
    expect(idx).toContain(7777);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
    for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
  });
});

describe('minMaxIndices with buckets fixed to the axis (a growing series)', () => {
  it('a step appended to the series changes only the last bucket\'s picks', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i + 1);
    const ys = xs.map((i) => Math.sin(i / 37) + (i % 13) * 0.01);
    const domain = [1, 5100] as const;
    const before = minMaxIndices(xs, ys, 100, 0, xs.length - 1, domain);
    xs.push(5001); ys.push(3);
    const after = minMaxIndices(xs, ys, 100, 0, xs.length - 1, domain);
    const width = (domain[1] - domain[0]) / 100;
    const lastBucketStart = domain[0] + Math.floor((5001 - domain[0]) / width) * width;
    const settled = (idx: number[]) => idx.filter((k) => xs[k]! < lastBucketStart);
    expect(settled(after)).toEqual(settled(before));
    // Every settled bucket (all before the last) keeps at least its first and last point.
    expect(settled(after).length).toBeGreaterThanOrEqual(2 * Math.round((lastBucketStart - domain[0]) / width));
    expect(after).toContain(5000); // the new point (the bucket's max and last)
  });
});

describe('lttbIndices', () => {
  it('keeps first, last and the extreme point, exactly threshold points', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const ys = xs.map(() => 0);
    ys[500] = 10;
    const idx = lttbIndices(xs, ys, 50);
    expect(idx.length).toBe(50);
    expect(idx[0]).toBe(0);
    expect(idx[49]).toBe(999);
    expect(idx).toContain(500);
  });
});

describe('nearestIndex / rangeIndices', () => {
  it('finds the closest x by binary search', () => {
    const xs = [0, 10, 20, 30];
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 14)).toBe(1);
    expect(nearestIndex(xs, 16)).toBe(2);
    expect(nearestIndex(xs, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
  it('clips to a zoomed domain', () => {
    expect(rangeIndices([0, 10, 20, 30], 5, 25)).toEqual([1, 2]);
    expect(rangeIndices([0, 10, 20, 30], 10, 30)).toEqual([1, 3]);
  });
});

describe('ticks and formats', () => {
  it('gives nice round ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 10_000, 4)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });
  it('pads extents and survives constant or empty series', () => {
    expect(paddedExtent([0, 10])).toEqual([-0.5, 10.5]);
    expect(paddedExtent([NaN])).toEqual([0, 1]);
    const [a, b] = paddedExtent([3, 3]);
    expect(a).toBeLessThan(3);
    expect(b).toBeGreaterThan(3);
  });
  it('formats values, durations and bytes compactly', () => {
    expect(formatValue(0.123456)).toBe('0.123');
    expect(formatValue(1234.5)).toBe('1235');
    expect(formatValue(2e-5)).toBe('2.00e-5');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('axis ticks never repeat a label', () => {
  const distinct = (labels: string[]) => new Set(labels).size === labels.length;

  it('step axes get whole steps only, also for runs of a few steps', () => {
    // One step is drawn over [step-1, step+1]; two steps over [1, 2].
    expect(niceTicks(0, 2, 4)).toContain(0.5); // what a value axis gets
    expect(niceTicks(0, 2, 4, true)).toEqual([0, 1, 2]);
    expect(niceTicks(1, 2, 4, true)).toEqual([1, 2]);
    expect(niceTicks(1, 3, 6, true)).toEqual([1, 2, 3]);
    expect(niceTicks(0, 10_000, 4, true)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
    expect(niceTicks(1.2, 1.8, 4, true)).toEqual([]); // zoomed inside one step: no fractional step labels
    for (let n = 1; n <= 40; n++) {
      const t = niceTicks(1, n + 1, 5, true);
      expect(t.every(Number.isInteger), `steps 1..${n + 1}`).toBe(true);
      expect(distinct(tickLabels(t))).toBe(true);
    }
  });

  it('adds precision where neighbouring ticks would round to the same label', () => {
    const fine = niceTicks(10.01, 10.09, 5); // 10.02, 10.04, ...: formatValue gives "10.0" for all
    expect(new Set(fine.map(formatValue)).size).toBeLessThan(fine.length);
    expect(tickLabels(fine)).toEqual(['10.02', '10.04', '10.06', '10.08']);
    expect(tickLabels([1000, 1000.5, 1001])).toEqual(['1000', '1000.5', '1001']); // whole numbers without decimals
    expect(tickLabels([2e6, 2.0001e6, 2.0002e6])).toEqual(['2.0000e+6', '2.0001e+6', '2.0002e+6']);
    expect(tickLabels([0.0001, 0.00011, 0.00012])).toEqual(['1.00e-4', '1.10e-4', '1.20e-4']);
    // Compact labels are kept when they already differ.
    expect(tickLabels([0, 0.2, 0.4])).toEqual(['0', '0.2', '0.4']);
  });

  it('holds for value axes over many ranges and densities', () => {
    for (const [lo, hi] of [[0, 1], [0.123, 0.1234], [99.9, 100.1], [1234.2, 1234.9], [-3e-5, 3e-5], [1e6, 1.00001e6], [-0.5, 0.5], [0.9899, 0.99]] as const) {
      for (let count = 2; count <= 12; count++) {
        const labels = tickLabels(niceTicks(lo, hi, count));
        expect(distinct(labels), `${lo}..${hi} (${count}): ${labels.join(' ')}`).toBe(true);
      }
    }
  });
});

describe('near-constant series and round ticks', () => {
  it('draws float32 noise around a constant as a constant: domain 0..2c, ticks without 9999 or trailing zeros', () => {
    for (const [a, b] of [[0.004999998, 0.005], [2, 2.0000004], [Math.fround(0.1), 0.1]] as const) {
      const [lo, hi] = chartDomain([a, b, a, b]);
      expect(lo).toBe(0);
      expect(hi).toBeCloseTo(a + b, 12);
      const labels = tickLabels(niceTicks(lo, hi, 4));
      for (const l of labels) expect(l).not.toMatch(/9999|0001|\.0+$/);
    }
    expect(chartDomain([0, 0])).toEqual([-1, 1]);
    expect(chartDomain([-3, -3])).toEqual([-6, 0]);
    expect(chartDomain([NaN])).toEqual([0, 1]);
  });
  it('keeps real variation, padded and rounded outward, never below 0 for non-negative data', () => {
    const [lo, hi] = chartDomain([0.2, 0.8]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(lo).toBeLessThanOrEqual(0.2 - 0.03);
    expect(hi).toBeGreaterThanOrEqual(0.8 + 0.03);
    expect(hi - lo).toBeLessThanOrEqual(1); // padded, not blown up
    expect(Number.isInteger(lo * 10) && Number.isInteger(hi * 10)).toBe(true); // rounded outward to round values
    expect(chartDomain([0.01, 1])[0]).toBe(0);
    expect(chartDomain([-1, 1])[0]).toBeLessThan(-1);
  });
  it('writes whole-number ticks as integers and keeps decimals the spacing needs', () => {
    expect(tickLabels([0, 5, 10, 15, 20])).toEqual(['0', '5', '10', '15', '20']);
    expect(tickLabels([0, 0.002, 0.004, 0.006])).toEqual(['0', '0.002', '0.004', '0.006']);
    expect(tickLabels([0.25, 0.5, 0.75])).toEqual(['0.25', '0.50', '0.75']);
    expect(formatValue(20)).toBe('20');
  });
});

describe('series with gaps are aligned by step', () => {
  it('counts the run steps a series missed', () => {
    expect(gapCounts([1, 2, 3], [1, 2, 3])).toEqual([0, 0, 0]);
    expect(gapCounts([1, 3, 4, 7], [1, 2, 3, 4, 5, 6, 7])).toEqual([0, 1, 1, 2]);
    expect(gapCountsBySpacing([0, 5, 10, 40, 45])).toEqual([0, 0, 0, 1, 1]);
  });
  it('MetricHistory shows steps 1-based and marks gaps when appending', () => {
    const h = new MetricHistory();
    h.load([{ name: 'a', steps: [0, 1], times: [0, 1], values: [1, 2] }, { name: 'b', steps: [0], times: [0], values: [5] }]);
    h.append(2, { a: 3, b: 6 });
    expect(h.series.get('a')!.steps).toEqual([1, 2, 3]);
    expect(h.series.get('b')!.steps).toEqual([1, 3]);
    expect(h.series.get('b')!.gaps).toEqual([0, 1]); // b missed step 2
    expect(h.series.get('a')!.gaps).toEqual([0, 0, 0]);
    expect(h.append(2, { a: 9 })).toBe(false);
  });
  it('the readout and the table look values up by step, never by index', () => {
    const a = { id: 'a', label: 'a', xs: [1, 2, 3, 4], ys: [10, 20, 30, 40] };
    const b = { id: 'b', label: 'b', xs: [1, 4], ys: [100, 400] };
    expect(hoveredStep([a, b], 2.2)).toEqual({ step: 2, x: 2 });
    expect(indexOfStep(b.xs, 2)).toBe(-1);
    expect(indexOfStep(b.xs, 4)).toBe(1);
    const rows = tableRows([a, b], 3);
    expect(rows.map((r) => r.step)).toEqual([2, 3, 4]);
    expect(rows.map((r) => r.idx)).toEqual([[1, -1], [2, -1], [3, 1]]);
  });
});
