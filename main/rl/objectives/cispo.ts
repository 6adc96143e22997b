/**
 * CISPO: J = agg(sg(ĉ)·A·ℓ), w = c_{i,t}·A_i·ĉ_{i,t}; no token is ever zeroed.
 * Decision (open question 10): follow TRL/MiniMax, an upper-only cap ĉ = min(r, ε_max) with
 * ε_max = 5 (TRL's recommended epsilon_high), token-mean aggregation. verl's two-sided
 * clip(r, 1−ε_l, 1+ε_h) at its 0.2/0.2 default throttles exactly the low-probability
 * "fork" tokens CISPO exists to keep learning from. ĉ is a stop-gradient, evaluated at
 * ctx.frozenLogp (default: batch.logp).
 * reference: MiniMax-M1 (arXiv:2506.13585); TRL grpo_trainer.py:3080-3082, grpo_config.py:695.
 */
import { M } from '../../api/contract/metricNames.js';
import type { AggregationName, Objective } from '../types.js';
import { LOG_RATIO_CLAMP, seqCoefs, tokenMetrics } from './common.js';

export interface CispoParams {
  /** ε_max, upper cap of the importance weight. */
  epsMax: number;
  aggregation: AggregationName;
}

export const cispo: Objective<CispoParams> = {
  name: 'cispo',
  reference: 'arXiv:2506.13585; TRL loss_type="cispo"',
  defaults: { epsMax: 5, aggregation: 'token-mean' },
  compute(batch, params, ctx) {
    const p = { ...this.defaults, ...params };
    const off = batch.tokenOffsets;
    const c = seqCoefs(batch, ctx, p.aggregation);
    const frozen = ctx.frozenLogp ?? batch.logp;
    const w = new Float32Array(batch.logp.length);
    let J = 0;
    let nCapped = 0;
    for (let i = 0; i + 1 < off.length; i++) {
      const A = batch.advantages[i]!;
      for (let k = off[i]!; k < off[i + 1]!; k++) {
        const d = Math.min(Math.max(frozen[k]! - batch.oldLogp[k]!, -LOG_RATIO_CLAMP), LOG_RATIO_CLAMP);
        const r = Math.exp(d);
        if (r > p.epsMax) nCapped++;
        const ch = Math.min(r, p.epsMax);
        w[k] = c[i]! * A * ch;
        J += c[i]! * A * ch * batch.logp[k]!;
      }
    }
    const n = batch.logp.length;
    return {
      weights: w,
      objective: J,
      metrics: { ...tokenMetrics(batch), [M.objective]: J, [M.clipFracHigh]: n > 0 ? nCapped / n : 0 },
    };
  },
};
