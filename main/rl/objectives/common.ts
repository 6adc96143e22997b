/**
 * Helpers shared by the objective variants: aggregation coefficients, per-sequence
 * lengths and scores, group membership and the token-level metrics every variant reports.
 */
import { getAggregation } from '../aggregations.js';
import type { AggregationName, ObjectiveContext, ObjectiveResult, RolloutBatch } from '../types.js';
import { M } from '../../api/contract/metricNames.js';

/** verl clamps Δ = ℓ − ℓ^old to ±20 before exponentiating; the gradient is 0 beyond. */
export const LOG_RATIO_CLAMP = 20;

/** Per-sequence aggregation coefficient c [B] for the variant's mode (params override ctx). */
export function seqCoefs(batch: RolloutBatch, ctx: ObjectiveContext, override?: AggregationName): Float64Array {
  return getAggregation(override ?? ctx.aggregation)(batch.tokenOffsets, ctx.maxResponseLength);
}

/** Number of sequences with at least one token. */
export function countNonEmpty(off: Int32Array): number {
  let n = 0;
  for (let i = 0; i + 1 < off.length; i++) if (off[i + 1]! > off[i]!) n++;
  return n;
}

/** s_i = (1/T_i)·Σ_t x_{i,t} for each sequence (0 for empty ones). */
export function seqMeans(off: Int32Array, x: ArrayLike<number>): Float64Array {
  const B = off.length - 1;
  const s = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    const a = off[i]!;
    const b = off[i + 1]!;
    let acc = 0;
    for (let k = a; k < b; k++) acc += x[k]!;
    s[i] = b > a ? acc / (b - a) : 0;
  }
  return s;
}

/** Members of each group, skipping zero-length sequences: [Q] lists of sequence indices. */
export function groupMembers(batch: RolloutBatch): number[][] {
  const groups: number[][] = Array.from({ length: batch.numGroups }, () => []);
  const off = batch.tokenOffsets;
  for (let i = 0; i + 1 < off.length; i++) {
    if (off[i + 1]! === off[i]!) continue;
    const g = batch.groupIndex[i]!;
    const list = groups[g];
    if (!list) throw new Error(`groupIndex[${i}] = ${g} is outside 0..${batch.numGroups - 1}`);
    list.push(i);
  }
  return groups;
}

/** labels [B], or an error naming the variant that needs them. */
export function requireLabels(batch: RolloutBatch, variant: string): Uint8Array {
  if (!batch.labels) throw new Error(`${variant} needs batch.labels (correctness per sequence)`);
  return batch.labels;
}

/** Token-level diagnostics: ratio mean/min/max, approx KL to π_old, entropy passthrough. */
export function tokenMetrics(batch: RolloutBatch): Record<string, number> {
  const n = batch.logp.length;
  let rs = 0;
  let rmin = Infinity;
  let rmax = -Infinity;
  let kl = 0;
  for (let k = 0; k < n; k++) {
    const d = batch.logp[k]! - batch.oldLogp[k]!;
    const r = Math.exp(Math.min(Math.max(d, -LOG_RATIO_CLAMP), LOG_RATIO_CLAMP));
    rs += r;
    if (r < rmin) rmin = r;
    if (r > rmax) rmax = r;
    kl -= d;
  }
  const m: Record<string, number> = {
    [M.ratioMean]: n > 0 ? rs / n : 1,
    [M.ratioMin]: n > 0 ? rmin : 1,
    [M.ratioMax]: n > 0 ? rmax : 1,
    [M.approxKlOld]: n > 0 ? kl / n : 0,
  };
  if (batch.entropy && n > 0) {
    let e = 0;
    for (let k = 0; k < n; k++) e += batch.entropy[k]!;
    m[M.entropy] = e / n;
  }
  return m;
}

/** log Σ exp(x) over a small list, stable. */
export function logSumExp(xs: ArrayLike<number>): number {
  let mx = -Infinity;
  for (let k = 0; k < xs.length; k++) if (xs[k]! > mx) mx = xs[k]!;
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += Math.exp(xs[k]! - mx);
  return mx + Math.log(s);
}

/**
 * Result of a clipped surrogate: the weights, J, token metrics and the clip
 * fractions over `units` (tokens for PPO/GMPO, sequences for GSPO). `dual` counts
 * dual-clip hits (PPO only), reported separately and included in the total.
 */
export function clippedResult(batch: RolloutBatch, weights: Float32Array, J: number,
  clips: { low: number; high: number; dual?: number; units: number }): ObjectiveResult {
  const f = (x: number) => (clips.units > 0 ? x / clips.units : 0);
  const dual = clips.dual ?? 0;
  return {
    weights,
    objective: J,
    metrics: {
      ...tokenMetrics(batch),
      [M.objective]: J,
      [M.clipFracLow]: f(clips.low),
      [M.clipFracHigh]: f(clips.high),
      ...(clips.dual !== undefined ? { [M.dualClipFrac]: f(dual) } : {}),
      [M.clipFrac]: f(clips.low + clips.high + dual),
    },
  };
}
