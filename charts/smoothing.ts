/**
 * Exponential moving average as TensorBoard draws it: debiased (the first
 * points are not pulled towards 0), NaN-tolerant (a gap stays a gap and does
 * not poison later values). weight 0 = no smoothing, 0.99 = very smooth.
 */
/** The charts' default smoothing weight (TensorBoard's 0.6): RL rewards swing ±0.15 a step, so raw curves hide the trend. */
export const DEFAULT_SMOOTHING = 0.6;

export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(values.length);
  if (w === 0) {
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    return out;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

interface EmaState { weight: number; out: number[]; last: number; n: number }
const emaCache = new WeakMap<object, EmaState>();

/**
 * emaSmooth for a series that only grows (MetricHistory appends in place): the
 * smoothed prefix is kept per input array and only new points are computed, so
 * a live update costs O(new points), not O(history). Same values as emaSmooth.
 */
export function emaSmoothGrowing(values: ArrayLike<number> & object, weight: number): ArrayLike<number> {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values;
  let st = emaCache.get(values);
  if (!st || st.weight !== w || st.out.length > values.length) {
    st = { weight: w, out: [], last: 0, n: 0 };
    emaCache.set(values, st);
  }
  for (let i = st.out.length; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { st.out.push(v); continue; }
    st.last = st.last * w + (1 - w) * v;
    st.n++;
    st.out.push(st.last / (1 - Math.pow(w, st.n)));
  }
  return st.out;
}
