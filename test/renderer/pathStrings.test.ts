// The chart path builders draw what d3.line / d3.area draw (linear curve, defined gaps), to 0.01 px.
import { area, line } from 'd3';
import { describe, expect, it } from 'vitest';
import { areaPath, CoordTexts, linePath, linePathOf } from '../../charts/pathStrings.js';
import { growingEnd, lineChartLayout } from '../../charts/lineChartLayout.js';

const nums = (d: string) => [...d.matchAll(/-?[\d.]+(?:e-?\d+)?/g)].map((m) => Number(m[0]));
const cmds = (d: string) => d.replace(/[-\d.,e]+/g, '');

describe('linePath / areaPath', () => {
  const xs = [0, 1.234567, 2, 3, 4, 5, 6, 7];
  const ys = [1, NaN, 2.5, 3.25, NaN, 4, NaN, 9.87654];
  const pts = [0, 1, 2, 3, -1, 4, 5, 6, 7];
  const ok = (k: number) => k >= 0 && Number.isFinite(ys[k]!);
  const px = (k: number) => xs[k]! * 10.5, py = (k: number) => 100 - ys[k]! * 7;

  it('matches d3.line: the same commands, coordinates within 0.005 px', () => {
    const ref = line<number>().defined(ok).x(px).y(py)(pts) ?? '';
    const mine = linePath(pts, px, py, ok);
    expect(cmds(mine)).toBe(cmds(ref));
    const a = nums(mine), b = nums(ref);
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(0.005 + 1e-9));
  });

  it('matches d3.area for a band', () => {
    const lo = (k: number) => py(k) + 3, hi = (k: number) => py(k) - 3;
    const ref = area<number>().defined(ok).x(px).y0(lo).y1(hi)(pts) ?? '';
    const mine = areaPath(pts, px, hi, lo, ok);
    expect(cmds(mine)).toBe(cmds(ref));
    const a = nums(mine), b = nums(ref);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(0.005 + 1e-9));
  });
});

describe('CoordTexts (point texts kept between redraws)', () => {
  it('formats a point once per scale and gives the same path as formatting every point', () => {
    const xs = [0, 1, 2, 3], ys = [1, 2, NaN, 4];
    let calls = 0;
    const px = (k: number) => { calls++; return xs[k]! * 3.333; }, py = (k: number) => 50 - ys[k]! * 7.777;
    const ok = (k: number) => Number.isFinite(ys[k]!);
    const c = new CoordTexts();
    const pts = [0, 1, 2, 3];
    expect(linePathOf(pts, c.of(xs, ys, 's1', px, py), ok)).toBe(linePath(pts, px, py, ok));
    calls = 0;
    xs.push(4); ys.push(5); pts.push(4);
    expect(linePathOf(pts, c.of(xs, ys, 's1', px, py), ok)).toBe(linePath(pts, px, py, ok));
    expect(calls).toBe(1 + 4); // the new point by the cache, then every point by linePath for the comparison
    calls = 0;
    linePathOf(pts, c.of(xs, ys, 's2', px, py), ok); // another scale: every drawn point again
    expect(calls).toBe(4);
  });

  it('a growing chart redrawn with kept texts draws what a fresh layout draws', () => {
    const n = 3000;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = xs.map((i) => Math.cos(i / 50));
    const mn = ys.map((v) => v - 0.2), mx = ys.map((v) => v + 0.2);
    const gaps = xs.map(() => 0);
    const series = () => [{ id: 'a', label: 'a', xs, ys, min: mn, max: mx, steps: xs, gaps }];
    const coords = new CoordTexts();
    const opts = { width: 400, height: 190, smoothing: 0.6, growX: true };
    lineChartLayout({ series: series(), ...opts, coords });
    for (let s = 0; s < 3; s++) {
      xs.push(n + s + 1); ys.push(0.5); mn.push(0.1); mx.push(0.9); gaps.push(0);
      const kept = lineChartLayout({ series: series(), ...opts, coords });
      const fresh = lineChartLayout({ series: series(), ...opts });
      expect(kept.paths).toEqual(fresh.paths);
      expect(kept.xDomain).toEqual([1, growingEnd(1, n + s + 1)]);
    }
  });
});

describe('growingEnd', () => {
  it('ends past the last point by under 2% of the span, on a round step that stays for the next steps', () => {
    expect(growingEnd(1, 10_009)).toBe(10_201);
    expect(growingEnd(1, 10_001)).toBe(10_001);
    expect(growingEnd(1, 10_002)).toBe(10_201);
    for (const hi of [12, 57, 999, 1234, 10_050, 87_654]) {
      const end = growingEnd(1, hi);
      expect(end).toBeGreaterThanOrEqual(hi);
      expect(end - hi).toBeLessThanOrEqual(0.02 * (hi - 1) + 1e-9);
      expect(growingEnd(1, hi + 1) === end || hi + 1 > end).toBe(true);
    }
    expect(growingEnd(5, 5)).toBe(5);
  });
});
