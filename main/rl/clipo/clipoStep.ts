/**
 * One CLIPO step (reference order, ALGORITHMS §1.4): (1) head forward on the pooled states
 * and the contrastive loss per anchor; (2) one AdamW step of the head on L_head (skipped
 * when no anchor is valid, §7.2, or when the head is frozen: the CLIPO-fixed ablation);
 * (3) r_cl from the PRE-step L_i. Returns new state (the input is not mutated), r_cl, the
 * pre-step embeddings (for metrics and the scatter view) and metrics. The contrastive loss
 * trains only the head; the policy sees CLIPO only through r_cl → advantages.
 * Metrics include the similarity fluctuation of the pre-step embeddings and of the raw
 * pooled states (§1.7), computed on the same pre-update forward pass as the reference.
 */
import { M } from '../../api/contract/metricNames.js';
import { Rng } from '../random.js';
import type { FloatArray } from '../types.js';
import { similarityFluctuation, similarityMetrics } from '../diagnostics/similarityFluctuation.js';
import { adamwStep } from './adamw.js';
import { type ContrastiveParams, defaultContrastiveParams } from './contrastiveLoss.js';
import { type ContrastiveLossName, getContrastiveLoss } from './contrastiveLosses.js';
import { contrastiveReward, type ContrastiveRewardParams } from './contrastiveReward.js';
import { headBackward, headForward } from './head.js';
import { type ClipoHeadState, cloneHeadState } from './headState.js';

export interface ClipoParams extends ContrastiveParams, ContrastiveRewardParams {
  /** Loss name (reference default infonce_loss). */
  lossType: ContrastiveLossName;
  /** Head AdamW learning rate (1e-3), weight decay (0.01), betas (0.9, 0.999), eps 1e-8. */
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** CLIPO-fixed ablation: never step the head (a frozen random projection). */
  frozen: boolean;
}

export const defaultClipoParams: ClipoParams = {
  ...defaultContrastiveParams,
  lossType: 'infonce',
  lambda: 0.2,
  constantReward: 0,
  clampMin: -0.5,
  lr: 1e-3,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  frozen: false,
};

export interface ClipoStepInput {
  /** [B, d_model] mean-pooled final-norm hidden states (from π_old, detached). */
  pooled: FloatArray;
  /** [B] y_i = 1[rule reward > 0], before r_cl. */
  labels: Uint8Array;
  /** [B] group of each sequence. */
  groupIndex: Int32Array;
  /** [B] response lengths; zero-length responses take no part and get r_cl = 0. */
  responseLengths: Int32Array;
}

export interface ClipoStepResult {
  state: ClipoHeadState;
  /** [B] r_cl, to add to the rule reward before advantages. */
  rCl: Float64Array;
  /** [B, D] pre-step embeddings (float32). */
  embeddings: Float32Array;
  /** [B] pre-step L_i (0 for invalid anchors). */
  perAnchorLoss: Float64Array;
  /** [B] valid-anchor mask. */
  valid: Uint8Array;
  /** Pre-step L_head. */
  loss: number;
  metrics: Record<string, number>;
}

export function clipoStep(state: ClipoHeadState, input: ClipoStepInput, params: Partial<ClipoParams> = {}): ClipoStepResult {
  const p = { ...defaultClipoParams, ...params };
  const B = input.labels.length;
  const next = cloneHeadState(state);
  const rng = Rng.fromState(state.rng);
  const include = new Uint8Array(B);
  for (let i = 0; i < B; i++) include[i] = input.responseLengths[i]! > 0 ? 1 : 0;
  const cache = headForward(next.head, input.pooled, B);
  const D = next.head.outDim;
  const cl = getContrastiveLoss(p.lossType)(
    { z: cache.z, dim: D, labels: input.labels, groupIndex: input.groupIndex, include },
    p,
    rng,
  );
  const stepped = cl.numValid > 0 && !p.frozen;
  let gradNorm = 0;
  if (stepped) {
    const grads = headBackward(next.head, cache, cl.gradZ);
    next.step += 1;
    for (const [k, g] of Object.entries(grads)) {
      for (let j = 0; j < g.length; j++) gradNorm += g[j]! * g[j]!;
      adamwStep(next.head.tensors[k]!, g, next.adamM[k]!, next.adamV[k]!, next.step, {
        lr: p.lr,
        weightDecay: p.weightDecay,
        beta1: p.beta1,
        beta2: p.beta2,
        eps: p.eps,
      });
    }
  }
  next.rng = rng.getState();
  const rCl = contrastiveReward(cl.perAnchor, input.labels, include, p);
  const embeddings = Float32Array.from(cache.z);
  let rSum = 0;
  let rMin = 0;
  for (let i = 0; i < B; i++) (rSum += rCl[i]!), (rMin = Math.min(rMin, rCl[i]!));
  const simZ = similarityFluctuation(embeddings, D, input.labels, input.groupIndex, include);
  const dModel = next.head.inDim;
  const simH = similarityFluctuation(input.pooled, dModel, input.labels, input.groupIndex, include);
  return {
    state: next,
    rCl,
    embeddings,
    perAnchorLoss: cl.perAnchor,
    valid: cl.valid,
    loss: cl.loss,
    metrics: {
      [M.clipoLoss]: cl.loss,
      [M.clipoValidAnchors]: cl.numValid,
      [M.clipoRewardMean]: B > 0 ? rSum / B : 0,
      [M.clipoRewardMin]: rMin,
      [M.clipoHeadStepped]: stepped ? 1 : 0,
      [M.clipoHeadGradNorm]: Math.sqrt(gradNorm),
      ...similarityMetrics(simZ, 'embeddings'),
      ...similarityMetrics(simH, 'hidden_states'),
    },
  };
}
