/**
 * The RL part of one training step, pure (no I/O, no clock): turns scored
 * rollouts and engine outputs into advantages and per-token weights, running
 * CLIPO's head step in between when enabled. The order is the reference's
 * (docs/ALGORITHMS.md, CLIPO §1.4): rule rewards → CLIPO head step and r_cl
 * (from the pre-step loss) → advantages over rule reward + r_cl → objective
 * weights (+ KL term).
 */
import type { Recipe } from '../api/contract/index.js';
import { M } from '../api/contract/metricNames.js';
import { getAdvantage } from '../rl/advantages/index.js';
import { clipoStep, type ClipoParams } from '../rl/clipo/clipoStep.js';
import { initClipoHead, type ClipoHeadState } from '../rl/clipo/headState.js';
import { policyUpdatesAtStep } from '../rl/clipo/warmup.js';
import { similarityFluctuation, similarityMetrics } from '../rl/diagnostics/similarityFluctuation.js';
import { computePolicyWeights } from '../rl/objectives/index.js';
import { rolloutCorrection } from '../rl/objectives/rolloutCorrection.js';
import type { ObjectiveResult, RolloutBatch } from '../rl/types.js';

/** Recipe advantage names → registry keys of main/rl/advantages. */
const ADVANTAGE_KEY: Record<Recipe['algorithm']['advantage'], string> = {
  grpo: 'grpo', drgrpo: 'drgrpo', batch: 'grpo-batch-std', rloo: 'rloo',
};
/** The PPO-clip family takes the recipe's clip ranges; the others keep their papers' own defaults. */
const PPO_CLIP_FAMILY = new Set(['grpo', 'drgrpo', 'dapo']);

export interface ScoredBatch {
  /** [B+1] response-token offsets. */
  tokenOffsets: Int32Array;
  /** [B] group (prompt) of each sequence, 0..numGroups−1. */
  groupIndex: Int32Array;
  numGroups: number;
  /** [B] total rule reward (all components, weighted). */
  rewards: Float64Array;
  /** [B] correctness y_i (answer components all correct). */
  labels: Uint8Array;
  /** [N_tok] π_old log-probs of the sampled tokens (engine forward, adapter on). */
  oldLogp: Float32Array;
  /** [N_tok] the sampler's log-probs of the same tokens (for the rollout correction). */
  samplerLogp?: Float32Array;
  /** [N_tok] reference log-probs (adapter off), when KL is on. */
  refLogp?: Float32Array;
  /** [N_tok] per-token entropy. */
  entropy?: Float32Array;
  /** [B, dModel] mean-pooled final hidden states. */
  pooled?: Float32Array;
  dModel: number;
}

export interface AdvantageStage {
  /** [B] rule reward + r_cl. */
  totalRewards: Float64Array;
  /** [B] r_cl (zeros without CLIPO). */
  contrastiveRewards: Float64Array;
  advantages: Float64Array;
  /** [B, outSize] pre-step head embeddings (CLIPO only). */
  embeddings: Float32Array | null;
  clipoState: ClipoHeadState | null;
  /** false during CLIPO's head-only warmup: the policy is not updated this step. */
  updatePolicy: boolean;
  metrics: Record<string, number>;
}

export function clipoParamsOf(r: Recipe): Partial<ClipoParams> {
  const c = r.algorithm.clipo;
  return { lossType: c.loss, temperature: c.temperature, lambda: c.lambda, lr: c.lr, weightDecay: c.weightDecay, frozen: c.frozenHead } as Partial<ClipoParams>;
}

export function initialClipoState(r: Recipe, dModel: number): ClipoHeadState | null {
  const c = r.algorithm.clipo;
  return c.enabled ? initClipoHead({ kind: c.head, inDim: dModel, outDim: c.outputSize, seed: r.training.seed }) : null;
}

export function advantageStage(r: Recipe, b: ScoredBatch, clipoState: ClipoHeadState | null, step: number): AdvantageStage {
  const B = b.labels.length;
  const metrics: Record<string, number> = {};
  let rCl: Float64Array = new Float64Array(B);
  let embeddings: Float32Array | null = null;
  let nextState = clipoState;
  const lengths = new Int32Array(B);
  for (let i = 0; i < B; i++) lengths[i] = b.tokenOffsets[i + 1]! - b.tokenOffsets[i]!;
  if (clipoState && b.pooled) {
    const res = clipoStep(clipoState, { pooled: b.pooled, labels: b.labels, groupIndex: b.groupIndex, responseLengths: lengths }, clipoParamsOf(r));
    rCl = res.rCl;
    embeddings = res.embeddings;
    nextState = res.state;
    Object.assign(metrics, res.metrics);
  }
  if (b.pooled) {
    // Similarity fluctuation of the raw pooled states too (CLIPO §1.7 logs both).
    const include = new Uint8Array(B);
    for (let i = 0; i < B; i++) include[i] = lengths[i]! > 0 ? 1 : 0;
    Object.assign(metrics, similarityMetrics(similarityFluctuation(b.pooled, b.dModel, b.labels, b.groupIndex, include), 'hidden_states'));
  }
  const totalRewards = new Float64Array(B);
  for (let i = 0; i < B; i++) totalRewards[i] = b.rewards[i]! + rCl[i]!;
  const adv = getAdvantage(ADVANTAGE_KEY[r.algorithm.advantage]).compute(
    { rewards: totalRewards, groupIndex: b.groupIndex, numGroups: b.numGroups }, {},
  );
  Object.assign(metrics, adv.metrics);
  const updatePolicy = !r.algorithm.clipo.enabled || policyUpdatesAtStep(step, r.algorithm.clipo.warmupSteps);
  return { totalRewards, contrastiveRewards: rCl, advantages: adv.advantages, embeddings, clipoState: nextState, updatePolicy, metrics };
}

/**
 * Per-token weights for one optimizer step. `logp` is the current policy's
 * log-probs: equal to oldLogp on the first update of a batch (on-policy), a
 * fresh engine forward on later ones.
 */
export function policyStage(r: Recipe, b: ScoredBatch, advantages: Float64Array, logp: Float32Array, step: number): ObjectiveResult {
  const a = r.algorithm;
  const batch: RolloutBatch = {
    tokenOffsets: b.tokenOffsets, logp, oldLogp: b.oldLogp, advantages, groupIndex: b.groupIndex, numGroups: b.numGroups,
    labels: b.labels, ...(b.refLogp ? { refLogp: b.refLogp } : {}), ...(b.entropy ? { entropy: b.entropy } : {}),
  };
  const params: Record<string, unknown> =
    PPO_CLIP_FAMILY.has(a.objective) ? { clipLow: a.clipLow, clipHigh: a.clipHigh, dualClip: a.dualClip }
    : a.objective === 'conspo' ? { tau: a.conspo.tau, margin: a.conspo.margin, alpha: a.conspo.alpha }
    : {};
  // Truncated IS from the sampler to π_old on the policy term (docs/ALGORITHMS.md, rollout correction).
  const rc = a.rolloutCorrection.enabled && b.samplerLogp
    ? rolloutCorrection(b.oldLogp, b.samplerLogp, b.tokenOffsets, { level: a.rolloutCorrection.level, cap: a.rolloutCorrection.cap }) : null;
  const res = computePolicyWeights(a.objective, batch, params,
    { step, totalSteps: r.training.steps, aggregation: a.aggregation },
    a.klCoef > 0 ? { coef: a.klCoef, estimator: a.klEstimator } : undefined, rc?.weights);
  if (rc) Object.assign(res.metrics, rc.metrics);
  if (b.entropy && b.entropy.length) {
    let s = 0;
    for (let k = 0; k < b.entropy.length; k++) s += b.entropy[k]!;
    res.metrics[M.entropy] = s / b.entropy.length;
  }
  return res;
}
