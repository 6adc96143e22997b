/**
 * DAPO objective: clip-higher (ε_l = 0.2, ε_h = 0.28), token-mean over the mini-batch,
 * no KL (set the KL coefficient to 0). Dual clip kept at 3 as in verl's `vanilla` loss,
 * which DAPO's verl recipe uses. Dynamic sampling is the separate pure function
 * `filterGroups` (dynamicSampling.ts); overlong shaping is a reward component, the
 * `overlong` verifier (main/rl/verifiers/overlong.ts).
 * reference: Yu et al. 2025 (arXiv:2503.14476); verl docs/algo/dapo.md.
 */
import type { Objective } from '../types.js';
import { type PpoClipParams, ppoClipWeights } from './ppoClip.js';

export const dapo: Objective<PpoClipParams> = {
  name: 'dapo',
  reference: 'arXiv:2503.14476; verl docs/algo/dapo.md',
  defaults: { clipLow: 0.2, clipHigh: 0.28, dualClip: 3, aggregation: 'token-mean' },
  compute(batch, params, ctx) {
    return ppoClipWeights(batch, { ...this.defaults, ...params }, ctx);
  },
};
