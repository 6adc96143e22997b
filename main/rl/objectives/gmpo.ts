/**
 * GMPO (geometric-mean policy optimisation), ALGORITHMS §3.5. Token-level clipping in
 * log space: a token is clipped if (A > 0 and Δ > ε_h) or (A < 0 and Δ < −ε_l); clipped
 * tokens use the clamped Δ. R_i = exp((1/T_i)Σ_t g_{i,t}), J = (1/B)Σ_i A_i·R_i (a plain
 * mean over sequences: the aggregation mode is ignored, as in verl), so
 * w_{i,t} = A_i·R_i/(B·T_i)·1[t unclipped].
 * reference: Zhao et al. 2025 (arXiv:2507.20673); verl core_algos.py:1635-1718 (`geo_mean`).
 */
import type { Objective } from '../types.js';
import { countNonEmpty, clippedResult } from './common.js';

export interface GmpoParams {
  /** ε_l on Δ (ratio ≥ e^−ε_l). */
  clipLow: number;
  /** ε_h on Δ (ratio ≤ e^ε_h). */
  clipHigh: number;
}

export const gmpo: Objective<GmpoParams> = {
  name: 'gmpo',
  reference: 'arXiv:2507.20673; verl core_algos.py:1635-1718',
  defaults: { clipLow: 0.4, clipHigh: 0.4 },
  compute(batch, params) {
    const p = { ...this.defaults, ...params };
    const off = batch.tokenOffsets;
    const B = countNonEmpty(off);
    const w = new Float32Array(batch.logp.length);
    const clipped = new Uint8Array(batch.logp.length);
    let J = 0;
    let nLow = 0;
    let nHigh = 0;
    for (let i = 0; i + 1 < off.length; i++) {
      const T = off[i + 1]! - off[i]!;
      const A = batch.advantages[i]!;
      if (T === 0) continue;
      let gsum = 0;
      for (let k = off[i]!; k < off[i + 1]!; k++) {
        const d = batch.logp[k]! - batch.oldLogp[k]!;
        if (A > 0 && d > p.clipHigh) (gsum += p.clipHigh), (clipped[k] = 1), nHigh++;
        else if (A < 0 && d < -p.clipLow) (gsum += -p.clipLow), (clipped[k] = 1), nLow++;
        else gsum += A === 0 ? 0 : d; // verl multiplies by sign(A): A = 0 gives R = 1
      }
      const R = Math.exp(gsum / T);
      J += (A * R) / B;
      for (let k = off[i]!; k < off[i + 1]!; k++) if (!clipped[k]) w[k] = (A * R) / (B * T);
    }
    return clippedResult(batch, w, J, { low: nLow, high: nHigh, units: batch.logp.length });
  },
};
