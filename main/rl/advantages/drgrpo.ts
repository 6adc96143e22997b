/**
 * Dr.GRPO advantage: A_i = R_i − mean_g R (no std division).
 * reference: Liu et al. 2025, "Understanding R1-Zero-Like Training" (arXiv:2503.20783);
 * verl norm_adv_by_std_in_grpo=False. Singleton group: mean 0, so A = R (§7.4).
 */
import type { AdvantageEstimator } from '../types.js';
import { advantageMetrics, groupStats } from './groupStats.js';

export type DrGrpoAdvantageParams = Record<string, never>;

export const drgrpoAdvantage: AdvantageEstimator<DrGrpoAdvantageParams> = {
  name: 'drgrpo',
  reference: 'arXiv:2503.20783; verl norm_adv_by_std_in_grpo=False',
  defaults: {},
  compute(input) {
    const stats = groupStats(input);
    const adv = new Float64Array(input.rewards.length);
    for (let i = 0; i < adv.length; i++) {
      const g = input.groupIndex[i]!;
      if (stats.zeroVariance[g]) continue;
      adv[i] = input.rewards[i]! - (stats.count[g] === 1 ? 0 : stats.mean[g]!);
    }
    return { advantages: adv, metrics: advantageMetrics(input, adv, stats) };
  },
};
