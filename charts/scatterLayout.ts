/**
 * Layout of the embedding scatter: pixel positions from the 2-D projection
 * (padded extent per step) and stable keys so that the k-th completion of a
 * group keeps its marker between steps (the animation moves it instead of
 * redrawing the cloud).
 */
import { scaleLinear } from 'd3';
import { paddedExtent } from './ticks.js';

export interface ProjectedPoint {
  sampleId: number;
  groupIndex: number;
  correct: boolean;
  x: number;
  y: number;
}

export interface PlacedPoint<P extends ProjectedPoint = ProjectedPoint> {
  p: P;
  key: string;
  px: number;
  py: number;
}

export function layoutScatter<P extends ProjectedPoint>(points: P[], width: number, height: number, pad = 16): PlacedPoint<P>[] {
  const xs = scaleLinear().domain(paddedExtent(points.map((p) => p.x))).range([pad, width - pad]);
  const ys = scaleLinear().domain(paddedExtent(points.map((p) => p.y))).range([height - pad, pad]);
  const seen = new Map<number, number>();
  return points.map((p) => {
    const n = seen.get(p.groupIndex) ?? 0;
    seen.set(p.groupIndex, n + 1);
    return { p, key: `${p.groupIndex}:${n}`, px: xs(p.x), py: ys(p.y) };
  });
}

export interface SpreadPoint<P extends ProjectedPoint = ProjectedPoint> extends PlacedPoint<P> {
  /** Drawn position: the projected one, moved around it when other points share the spot. */
  dx: number;
  dy: number;
  /** How many points share this point's spot (1 = alone). */
  stack: number;
  /** This point's place in its stack (0 = the stack's first; the count badge goes on it). */
  slot: number;
}

/**
 * Points whose projections fall within `tolerance` px of each other (identical
 * completions have identical embeddings, so a collapsed policy draws 64 points
 * as a handful of markers) are spread on a sunflower spiral around their
 * shared spot, `spacing` px apart, so every stored point stays visible and
 * clickable; each keeps `stack`, the number sharing the spot, for a count badge.
 * Deterministic (no random jitter): the same step always looks the same.
 */
export function spreadOverlaps<P extends ProjectedPoint>(placed: PlacedPoint<P>[], tolerance = 1.5, spacing = 5): SpreadPoint<P>[] {
  const cells = new Map<string, number[]>();
  const out: SpreadPoint<P>[] = placed.map((q) => ({ ...q, dx: q.px, dy: q.py, stack: 1, slot: 0 }));
  out.forEach((q, i) => {
    const key = `${Math.round(q.px / tolerance)}:${Math.round(q.py / tolerance)}`;
    const c = cells.get(key);
    if (c) c.push(i); else cells.set(key, [i]);
  });
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (const idx of cells.values()) {
    if (idx.length < 2) continue;
    const cx = idx.reduce((s, i) => s + out[i]!.px, 0) / idx.length;
    const cy = idx.reduce((s, i) => s + out[i]!.py, 0) / idx.length;
    idx.forEach((i, k) => {
      const r = spacing * Math.sqrt(k);
      out[i] = { ...out[i]!, dx: cx + r * Math.cos(k * golden), dy: cy + r * Math.sin(k * golden), stack: idx.length, slot: k };
    });
  }
  return out;
}
