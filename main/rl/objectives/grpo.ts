/**
 * GRPO / PPO-clip objective (the CLIPO base method): ε = 0.2 both sides, dual clip c = 3,
 * aggregation from the recipe (CLIPO scripts: token-mean).
 * reference: Shao et al. 2024 (arXiv:2402.03300); verl `vanilla` policy loss.
 */
import type { Objective } from '../types.js';
import { type PpoClipParams, ppoClipWeights } from './ppoClip.js';

export const grpo: Objective<PpoClipParams> = {
  name: 'grpo',
  reference: 'arXiv:2402.03300; verl core_algos.py:1159-1250',
  defaults: { clipLow: 0.2, clipHigh: 0.2, dualClip: 3 },
  compute(batch, params, ctx) {
    return ppoClipWeights(batch, { ...this.defaults, ...params }, ctx);
  },
};
