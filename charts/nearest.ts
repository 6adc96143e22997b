/** Index of the x closest to `x` in an ascending array (binary search); -1 when empty. */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0) return -1;
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1]! - x) <= Math.abs(xs[lo]! - x)) return lo - 1;
  return lo;
}

/** First index with xs[i] >= x, and last index with xs[i] <= x, for clipping a series to a zoomed domain. */
export function rangeIndices(xs: ArrayLike<number>, x0: number, x1: number): [number, number] {
  let lo = 0, hi = xs.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (xs[m]! < x0) lo = m + 1; else hi = m; }
  const start = lo;
  lo = start; hi = xs.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (xs[m]! <= x1) lo = m + 1; else hi = m; }
  return [start, lo - 1];
}
