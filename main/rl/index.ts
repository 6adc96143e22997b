/**
 * Public surface of the pure RL math core. Flow per step (ALGORITHMS.md; docs/ALGORITHMS.md):
 *   rewards (+ CLIPO r_cl from clipoStep) → getAdvantage(name).compute → batch.advantages
 *   → computePolicyWeights(objective, batch, params, ctx, kl) → weights for the engine.
 * Verifiers live in ./verifiers (separate module).
 */
export * from './types.js';
export { Rng, type RngState } from './random.js';
export { aggregations, getAggregation, type AggregationFn } from './aggregations.js';
export { klEstimators, getKlEstimator, type KlEstimator, type KlEstimatorName } from './klEstimators.js';
export { advantages, getAdvantage, type AdvantageName } from './advantages/index.js';
export { objectives, getObjective, computePolicyWeights, type ObjectiveName } from './objectives/index.js';
export { addKlTerm, type KlParams } from './objectives/klTerm.js';
export { rolloutCorrection, type RolloutCorrection, type RolloutCorrectionParams } from './objectives/rolloutCorrection.js';
export { conspoMargin } from './objectives/conspo.js';
export { filterGroups, type FilterGroupsResult } from './objectives/dynamicSampling.js';
export { contrastiveLosses, getContrastiveLoss, type ContrastiveLossName } from './clipo/contrastiveLosses.js';
export { clipoStep, defaultClipoParams, type ClipoParams, type ClipoStepInput, type ClipoStepResult } from './clipo/clipoStep.js';
export { contrastiveReward, addContrastiveReward } from './clipo/contrastiveReward.js';
export {
  initClipoHead,
  serializeHeadState,
  restoreHeadState,
  type ClipoHeadState,
  type SerializedHeadState,
} from './clipo/headState.js';
export { policyUpdatesAtStep } from './clipo/warmup.js';
export { headForward, headBackward, type HeadWeights } from './clipo/head.js';
export { similarityFluctuation, similarityMetrics } from './diagnostics/similarityFluctuation.js';
export { pcaProject2d, type PcaProjection } from './diagnostics/pcaProjection.js';
export { samplerMismatch, type SamplerMismatch } from './diagnostics/samplerMismatch.js';
