/**
 * RLOO leave-one-out baseline: A_i = R_i − mean_{j≠i} R_j = G/(G−1)·(R_i − mean_g R).
 * reference: Ahmadian et al. 2024 (arXiv:2402.14740); verl compute_rloo_outcome_advantage
 * (loop version): a singleton group keeps A = R (ALGORITHMS §7.4).
 */
import type { AdvantageEstimator } from '../types.js';
import { advantageMetrics, groupStats } from './groupStats.js';

export type RlooAdvantageParams = Record<string, never>;

export const rlooAdvantage: AdvantageEstimator<RlooAdvantageParams> = {
  name: 'rloo',
  reference: 'arXiv:2402.14740; verl compute_rloo_outcome_advantage',
  defaults: {},
  compute(input) {
    const stats = groupStats(input);
    const adv = new Float64Array(input.rewards.length);
    for (let i = 0; i < adv.length; i++) {
      const g = input.groupIndex[i]!;
      const G = stats.count[g]!;
      if (stats.zeroVariance[g]) continue;
      adv[i] = G === 1 ? input.rewards[i]! : (G / (G - 1)) * (input.rewards[i]! - stats.mean[g]!);
    }
    return { advantages: adv, metrics: advantageMetrics(input, adv, stats) };
  },
};
