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
