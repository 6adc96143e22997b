/**
 * Group-centred advantage scaled by the batch-level std:
 * A_i = (R_i − mean_g R)/(std_batch R + ε), std_batch unbiased over all B rewards.
 * reference: TRL scale_rewards="batch" (grpo_trainer.py:2685-2730); Hu et al.,
 * REINFORCE++ (arXiv:2501.03262). Singleton group: mean 0 (as GRPO).
 */
import type { AdvantageEstimator } from '../types.js';
import { advantageMetrics, groupStats } from './groupStats.js';

export interface GrpoBatchStdParams {
  /** ε added to the batch std (default 1e-6, as verl's GRPO). */
  epsilon: number;
}

export const grpoBatchStdAdvantage: AdvantageEstimator<GrpoBatchStdParams> = {
  name: 'grpo-batch-std',
  reference: 'TRL scale_rewards="batch"; arXiv:2501.03262',
  defaults: { epsilon: 1e-6 },
  compute(input, params) {
    const { epsilon } = { ...this.defaults, ...params };
    const stats = groupStats(input);
    const n = input.rewards.length;
    let m = 0;
    for (let i = 0; i < n; i++) m += input.rewards[i]!;
    m = n > 0 ? m / n : 0;
    let v = 0;
    for (let i = 0; i < n; i++) v += (input.rewards[i]! - m) ** 2;
    const std = n > 1 ? Math.sqrt(v / (n - 1)) : 1;
    const adv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const g = input.groupIndex[i]!;
      if (stats.zeroVariance[g]) continue;
      adv[i] = (input.rewards[i]! - (stats.count[g] === 1 ? 0 : stats.mean[g]!)) / (std + epsilon);
    }
    return { advantages: adv, metrics: advantageMetrics(input, adv, stats) };
  },
};
