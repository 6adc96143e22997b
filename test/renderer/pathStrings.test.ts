// The chart path builders draw what d3.line / d3.area draw (linear curve, defined gaps), to 0.01 px.
import { area, line } from 'd3';
import { describe, expect, it } from 'vitest';
import { areaPath, linePath } from '../../charts/pathStrings.js';

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
