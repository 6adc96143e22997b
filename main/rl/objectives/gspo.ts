/**
 * GSPO: sequence-level ratio s_i = exp(min(Δ̄_i, 10)), Δ̄_i = (1/T_i)Σ_t Δ_{i,t}, clipped per
 * sequence with ε = 3e-4/4e-4 (ALGORITHMS §3.4). J = Σ_i c_i·T_i·min(A s, A·clip(s)), so
 * w_{i,t} = c_i·A_i·s_i·act_i; with the forced seq-mean-token-mean c_i = 1/(B·T_i) this is
 * A·s/(B·T_i). act_i = 0 if (A > 0 and s > 1+ε_h) or (A < 0 and s < 1−ε_l) or Δ̄ > 10.
 * reference: Zheng et al. 2025 (arXiv:2507.18071); verl core_algos.py:1253-1326.
 */
import type { AggregationName, Objective } from '../types.js';
import { countNonEmpty, seqCoefs, seqMeans, clippedResult } from './common.js';

export interface GspoParams {
  clipLow: number;
  clipHigh: number;
  /** verl forces seq-mean-token-mean for GSPO. */
  aggregation: AggregationName;
}

const LOG_SEQ_RATIO_MAX = 10;

export const gspo: Objective<GspoParams> = {
  name: 'gspo',
  reference: 'arXiv:2507.18071; verl core_algos.py:1253-1326',
  defaults: { clipLow: 3e-4, clipHigh: 4e-4, aggregation: 'seq-mean-token-mean' },
  compute(batch, params, ctx) {
    const p = { ...this.defaults, ...params };
    const off = batch.tokenOffsets;
    const c = seqCoefs(batch, ctx, p.aggregation);
    const delta = new Float64Array(batch.logp.length);
    for (let k = 0; k < delta.length; k++) delta[k] = batch.logp[k]! - batch.oldLogp[k]!;
    const dbar = seqMeans(off, delta);
    const w = new Float32Array(batch.logp.length);
    let J = 0;
    let nLow = 0;
    let nHigh = 0;
    for (let i = 0; i + 1 < off.length; i++) {
      const T = off[i + 1]! - off[i]!;
      if (T === 0) continue;
      const A = batch.advantages[i]!;
      const s = Math.exp(Math.min(dbar[i]!, LOG_SEQ_RATIO_MAX));
      let ji = 0;
      let act = dbar[i]! <= LOG_SEQ_RATIO_MAX;
      if (A > 0) {
        if (s > 1 + p.clipHigh) (act = false), nHigh++;
        ji = A * Math.min(s, 1 + p.clipHigh);
      } else if (A < 0) {
        if (s < 1 - p.clipLow) (act = false), nLow++;
        ji = A * Math.max(s, 1 - p.clipLow);
      } else act = false;
      J += c[i]! * T * ji;
      if (act) for (let k = off[i]!; k < off[i + 1]!; k++) w[k] = c[i]! * A * s;
    }
    return clippedResult(batch, w, J, { low: nLow, high: nHigh, units: countNonEmpty(off) });
  },
};
