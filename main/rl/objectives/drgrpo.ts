/**
 * Dr.GRPO objective: the PPO-clip weight with the constant normaliser c = 1/(B·L_max)
 * (pair it with the `drgrpo` advantage, no std). L_max = ctx.maxResponseLength (the
 * recipe's max response length), falling back to the longest response in the batch.
 * reference: Liu et al. 2025 (arXiv:2503.20783); TRL loss_type="dr_grpo";
 * verl docs/algo/grpo.md:53-62 (seq-mean-token-sum-norm).
 */
import type { Objective } from '../types.js';
import { type PpoClipParams, ppoClipWeights } from './ppoClip.js';

export const drgrpo: Objective<PpoClipParams> = {
  name: 'drgrpo',
  reference: 'arXiv:2503.20783; TRL dr_grpo',
  defaults: { clipLow: 0.2, clipHigh: 0.2, dualClip: 3, aggregation: 'constant-normalised' },
  compute(batch, params, ctx) {
    return ppoClipWeights(batch, { ...this.defaults, ...params }, ctx);
  },
};
