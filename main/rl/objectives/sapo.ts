/**
 * SAPO (soft adaptive policy optimisation): a smooth sigmoid gate instead of a hard clip.
 * σ = sigmoid(τ(r − 1)), J_t = A·(4/τ)·σ with τ = τ_pos if A > 0 else τ_neg, so
 * w_{i,t} = c_{i,t}·A_i·4σ(1−σ)·r, which equals c·A at r = 1 (ALGORITHMS §3.7).
 * reference: Gao et al. 2025, "Soft Adaptive Policy Optimization" (Qwen); verl core_algos.py:1329-1411; TRL :3092-3095.
 */
import { M } from '../../api/contract/metricNames.js';
import type { AggregationName, Objective } from '../types.js';
import { LOG_RATIO_CLAMP, seqCoefs, tokenMetrics } from './common.js';

export interface SapoParams {
  /** Gate temperature for A > 0. */
  tauPos: number;
  /** Gate temperature for A < 0 (slightly sharper). */
  tauNeg: number;
  aggregation: AggregationName;
}

export const sapo: Objective<SapoParams> = {
  name: 'sapo',
  reference: "SAPO (Qwen 2025); verl core_algos.py:1329-1411",
  defaults: { tauPos: 1.0, tauNeg: 1.05, aggregation: 'seq-mean-token-mean' },
  compute(batch, params, ctx) {
    const p = { ...this.defaults, ...params };
    const off = batch.tokenOffsets;
    const c = seqCoefs(batch, ctx, p.aggregation);
    const w = new Float32Array(batch.logp.length);
    let J = 0;
    for (let i = 0; i + 1 < off.length; i++) {
      const A = batch.advantages[i]!;
      if (A === 0) continue;
      const tau = A > 0 ? p.tauPos : p.tauNeg;
      for (let k = off[i]!; k < off[i + 1]!; k++) {
        const d = batch.logp[k]! - batch.oldLogp[k]!;
        const r = Math.exp(Math.min(Math.max(d, -LOG_RATIO_CLAMP), LOG_RATIO_CLAMP));
        const sg = 1 / (1 + Math.exp(-tau * (r - 1)));
        J += c[i]! * A * (4 / tau) * sg;
        if (d >= -LOG_RATIO_CLAMP && d <= LOG_RATIO_CLAMP) w[k] = c[i]! * A * 4 * sg * (1 - sg) * r;
      }
    }
    return { weights: w, objective: J, metrics: { ...tokenMetrics(batch), [M.objective]: J } };
  },
};
