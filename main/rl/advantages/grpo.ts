/**
 * GRPO group-normalised advantage: A_i = (R_i − mean_g R)/(std_g R + ε).
 * reference: Shao et al. 2024 (DeepSeekMath, arXiv:2402.03300); verl core_algos.py:266-330
 * (unbiased std, ε = 1e-6). Singleton group: mean 0, std 1 (verl's loop version,
 * ALGORITHMS §7.4), so A = R/(1+ε). A zero-variance group gets exactly A = 0.
 */
import type { AdvantageEstimator } from '../types.js';
import { advantageMetrics, groupStats } from './groupStats.js';

export interface GrpoAdvantageParams {
  /** ε added to the std; verl 1e-6 (TRL uses 1e-4). */
  epsilon: number;
}

export const grpoAdvantage: AdvantageEstimator<GrpoAdvantageParams> = {
  name: 'grpo',
  reference: 'arXiv:2402.03300; verl compute_grpo_outcome_advantage',
  defaults: { epsilon: 1e-6 },
  compute(input, params) {
    const { epsilon } = { ...this.defaults, ...params };
    const stats = groupStats(input);
    const adv = new Float64Array(input.rewards.length);
    for (let i = 0; i < adv.length; i++) {
      const g = input.groupIndex[i]!;
      if (stats.zeroVariance[g]) continue;
      const single = stats.count[g] === 1;
      const mean = single ? 0 : stats.mean[g]!;
      const std = single ? 1 : stats.std[g]!;
      adv[i] = (input.rewards[i]! - mean) / (std + epsilon);
    }
    return { advantages: adv, metrics: advantageMetrics(input, adv, stats) };
  },
};
