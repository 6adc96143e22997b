/**
 * PPO-clip with dual clip, the weight shared by GRPO, DAPO and Dr.GRPO (ALGORITHMS §3.1).
 * Per token: J_t = min(A·r, A·clip(r, 1−ε_l, 1+ε_h)), and for A < 0 also max(·, c·A).
 * w_{i,t} = c_{i,t}·A_i·r_{i,t}·act_{i,t}; act = 0 when A > 0 and r > 1+ε_h, when A < 0 and
 * (r < 1−ε_l or r > c), when |Δ| > 20 (verl's clamp), and trivially when A = 0.
 * reference: Schulman et al. 2017 (arXiv:1707.06347); dual clip Ye et al. 2020
 * (arXiv:1912.09729); verl core_algos.py:1159-1250 (`vanilla`).
 */
import type { AggregationName, ObjectiveContext, ObjectiveResult, RolloutBatch } from '../types.js';
import { LOG_RATIO_CLAMP, seqCoefs, clippedResult } from './common.js';

export interface PpoClipParams {
  /** ε_l, lower clip (ratio ≥ 1−ε_l). */
  clipLow: number;
  /** ε_h, upper clip (ratio ≤ 1+ε_h). */
  clipHigh: number;
  /** Dual-clip constant c for A < 0 (verl clip_ratio_c = 3); null disables it (TRL). */
  dualClip: number | null;
  /** Aggregation override; undefined uses ctx.aggregation. */
  aggregation?: AggregationName;
}

export function ppoClipWeights(batch: RolloutBatch, p: PpoClipParams, ctx: ObjectiveContext): ObjectiveResult {
  const off = batch.tokenOffsets;
  const c = seqCoefs(batch, ctx, p.aggregation);
  const w = new Float32Array(batch.logp.length);
  const hi = 1 + p.clipHigh;
  const lo = 1 - p.clipLow;
  const dual = p.dualClip ?? Infinity;
  let J = 0;
  let nLow = 0;
  let nHigh = 0;
  let nDual = 0;
  for (let i = 0; i + 1 < off.length; i++) {
    const A = batch.advantages[i]!;
    const ci = c[i]!;
    for (let k = off[i]!; k < off[i + 1]!; k++) {
      const d = batch.logp[k]! - batch.oldLogp[k]!;
      const inRange = d >= -LOG_RATIO_CLAMP && d <= LOG_RATIO_CLAMP;
      const r = Math.exp(Math.min(Math.max(d, -LOG_RATIO_CLAMP), LOG_RATIO_CLAMP));
      let jt: number;
      let act: boolean;
      if (A > 0) {
        act = r <= hi;
        if (!act) nHigh++;
        jt = A * Math.min(r, hi);
      } else if (A < 0) {
        const low = r < lo;
        const dc = r > dual;
        if (low) nLow++;
        if (dc) nDual++;
        act = !low && !dc;
        jt = A * Math.min(Math.max(r, lo), dual);
      } else {
        act = false;
        jt = 0;
      }
      J += ci * jt;
      if (act && inRange) w[k] = ci * A * r;
    }
  }
  return clippedResult(batch, w, J, { low: nLow, high: nHigh, dual: nDual, units: batch.logp.length });
}
