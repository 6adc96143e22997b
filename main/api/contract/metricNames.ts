/**
 * Metric-name constants shared by the trainer, the run store and the UI (zero dependencies).
 * Keys are namespaced `family/name`. CLIPO's similarity-fluctuation names keep the
 * reference code's spelling (CLIPO metric_utils.py:280-381) so runs can be compared with
 * logs from the verl reference.
 */
export const M = {
  // rewards and advantages
  rewardMean: 'reward/mean',
  rewardStd: 'reward/std',
  advantageMean: 'advantage/mean',
  advantageAbsMax: 'advantage/absMax',
  zeroVarianceGroups: 'advantage/zeroVarianceGroups',
  zeroVarianceFrac: 'advantage/zeroVarianceFrac',
  // policy objective
  objective: 'policy/objective',
  clipFrac: 'policy/clipFrac',
  clipFracLow: 'policy/clipFracLow',
  clipFracHigh: 'policy/clipFracHigh',
  dualClipFrac: 'policy/dualClipFrac',
  ratioMean: 'policy/ratioMean',
  ratioMin: 'policy/ratioMin',
  ratioMax: 'policy/ratioMax',
  approxKlOld: 'policy/approxKlOld',
  entropy: 'policy/entropy',
  weightAbsMean: 'policy/weightAbsMean',
  // KL to reference
  klRef: 'kl/ref',
  klCoef: 'kl/coef',
  // ConSPO / DisCO
  conspoMargin: 'conspo/margin',
  conspoValidGroups: 'conspo/validGroups',
  conspoPosProb: 'conspo/posProbMean',
  discoValidGroups: 'disco/validGroups',
  discoKl: 'disco/kl',
  discoKlPenalty: 'disco/klPenalty',
  // DAPO dynamic sampling
  filterKeptGroups: 'dapo/keptGroups',
  filterDroppedGroups: 'dapo/droppedGroups',
  // CLIPO head and reward
  clipoLoss: 'clipo/loss',
  clipoValidAnchors: 'clipo/validAnchors',
  clipoRewardMean: 'clipo/rewardMean',
  clipoRewardMin: 'clipo/rewardMin',
  clipoHeadStepped: 'clipo/headStepped',
  clipoHeadGradNorm: 'clipo/headGradNorm',
  // CLIPO similarity fluctuation (reference names, §1.7)
  embPosPairSim: 'embeddings/group/pos_pair_sim/mean',
  embNegPairSim: 'embeddings/group/neg_pair_sim/mean',
  embMixedPairSim: 'embeddings/group/pos_neg_pair_sim/mean',
  hiddenPosPairSim: 'hidden_states/group/pos_pair_sim/mean',
  hiddenNegPairSim: 'hidden_states/group/neg_pair_sim/mean',
  hiddenMixedPairSim: 'hidden_states/group/pos_neg_pair_sim/mean',
  /**
   * The embedding scatter's 2-D PCA: share of the variance along each of its axes
   * (eigenvalue / trace of the covariance, main/rl/diagnostics/pcaProjection.ts).
   */
  projHeadExplained1: 'projection/head/explained1',
  projHeadExplained2: 'projection/head/explained2',
  projPooledExplained1: 'projection/pooled/explained1',
  projPooledExplained2: 'projection/pooled/explained2',
  // written by the trainer about the rollouts, the optimiser and the time split (main/trainer/stepMetrics.ts)
  accuracy: 'reward/accuracy',
  lengthMean: 'completion/lengthMean',
  lengthMax: 'completion/lengthMax',
  truncatedFrac: 'completion/truncatedFrac',
  /** Accuracy among the completions that hit maxTokens / that ended on their own (absent when there are none). */
  truncatedAccuracy: 'completion/truncatedAccuracy',
  finishedAccuracy: 'completion/finishedAccuracy',
  lr: 'optim/lr',
  gradNorm: 'optim/gradNorm',
  loss: 'optim/loss',
  tokensPerSec: 'perf/tokensPerSec',
  timeRollout: 'time/rollout',
  timeScoring: 'time/scoring',
  timeUpdate: 'time/update',
  timeStep: 'time/step',
  timeOther: 'time/other',
  /** Step time inside node-llama-cpp (sampling, adapter swap), inside the engine, and the loop's own work. */
  timeSampler: 'time/sampler',
  timeEngine: 'time/engine',
  timeOverhead: 'time/overhead',
  elapsed: 'time/elapsed',
  peakBytes: 'perf/enginePeakBytes',
  /** Sampler vs trainer probability of each sampled token (main/rl/diagnostics/samplerMismatch.ts; top-p 1 only). */
  samplerLogpDiffMean: 'rollout/samplerLogpDiffMean',
  samplerLogpDiffMax: 'rollout/samplerLogpDiffMax',
  samplerProbDiffMax: 'rollout/samplerProbDiffMax',
  /** Rollout correction (truncated IS π_old/π_sampler, main/rl/objectives/rolloutCorrection.ts): mean weight after truncation, raw ratio range, share truncated. */
  isWeightMean: 'rollout/isWeightMean',
  isRatioMin: 'rollout/isRatioMin',
  isRatioMax: 'rollout/isRatioMax',
  isTruncatedFrac: 'rollout/isTruncatedFrac',
  policyUpdated: 'policy/updated',
  // supervised fine-tuning steps (main/trainer/sft)
  /** Token-mean next-token NLL of the step's target tokens (nats/token), prompts masked. */
  sftLoss: 'sft/loss',
  /** Greedy pass@1 through the run's verifier on held-out rows (only at evaluation steps). */
  sftHeldoutAccuracy: 'sft/heldoutAccuracy',
  sftTargetTokens: 'sft/targetTokens',
  sftTargetTokensPerSec: 'sft/targetTokensPerSec',
  /** 0 = SFT step, 1 = RL step: where a chained run switched. */
  phase: 'run/phase',
} as const;

/** Per reward component: `reward/<verifierName>` (e.g. reward/exactMatch). */
export const REWARD_COMPONENT_PREFIX = 'reward/';
/** reward/* names that are not components. */
export const REWARD_AGGREGATES: readonly string[] = [M.rewardMean, M.rewardStd, M.accuracy];

export type MetricKey = keyof typeof M;
export type MetricName = (typeof M)[MetricKey];
