/**
 * Display decimation: at most a few points per pixel column, keeping each
 * bucket's first, min, max and last point so spikes survive (a NaN loss or a
 * KL blow-up at one step must stay visible whatever the zoom). Input x must be
 * ascending. Returns indices into the input, ascending and unique; `from`/`to`
 * (inclusive) restrict it to a range without copying. The buckets divide the
 * points' own x range, or `domain` when given: buckets fixed to the axis pick
 * the same points for the same data, so a step appended to a growing series
 * changes only the last bucket's picks (a live chart rewrites only its end).
 */
export function minMaxIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number, from = 0, to = xs.length - 1, domain?: readonly [number, number]): number[] {
  const n = to + 1;
  if (n - from <= 0) return [];
  if (n - from <= buckets * 4 || buckets < 1) return Array.from({ length: n - from }, (_, i) => i + from);
  const x0 = domain ? Math.min(domain[0], xs[from]!) : xs[from]!;
  const span = (domain ? Math.max(domain[1], xs[n - 1]!) : xs[n - 1]!) - x0 || 1;
  const out: number[] = [];
  let i = from;
  for (let b = 0; b < buckets && i < n; b++) {
    const end = b === buckets - 1 ? Infinity : x0 + (span * (b + 1)) / buckets;
    const first = i;
    let lo = -1, hi = -1, gap = -1;
    while (i < n && xs[i]! < end) {
      const y = ys[i]!;
      if (Number.isFinite(y)) {
        if (lo < 0 || y < ys[lo]!) lo = i;
        if (hi < 0 || y > ys[hi]!) hi = i;
      } else if (gap < 0) {
        gap = i; // keep a non-finite point so the gap (or the NaN) is drawn
      }
      i++;
    }
    if (i === first) continue;
    const last = i - 1;
    const picks = [first, lo, hi, gap, last].filter((k) => k >= 0).sort((a, b) => a - b);
    for (const k of picks) if (out[out.length - 1] !== k) out.push(k);
  }
  return out;
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): `threshold` points that
 * keep the visual shape. Indices into the input; first and last always kept.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i);
  const out = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let ax = 0, ay = 0, cnt = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      if (!Number.isFinite(ys[j]!)) continue;
      ax += xs[j]!; ay += ys[j]!; cnt++;
    }
    if (cnt) { ax /= cnt; ay /= cnt; }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start, bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((xs[a]! - ax) * (ys[j]! - ys[a]!) - (xs[a]! - xs[j]!) * (ay - ys[a]!));
      const score = Number.isFinite(area) ? area : Infinity; // never drop a NaN/∞ point
      if (score > bestArea) { bestArea = score; best = j; }
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}
