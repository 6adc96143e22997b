/**
 * Every metric's readable name, unit and family (zero dependencies, shared with
 * the renderer): the compare view's picker, legends and axis titles use these
 * instead of raw keys. `metricInfo` also names the per-component rewards
 * (`reward/<verifier>`) and falls back to a readable form of an unknown key.
 */
import { M, REWARD_AGGREGATES, REWARD_COMPONENT_PREFIX } from './metricNames.js';

export interface MetricInfo {
  name: string;
  label: string;
  /** What the y axis is measured in ('' when unitless and obvious). */
  unit: string;
  family: string;
}

type Entry = [label: string, unit: string, family: string];
const R = 'Reward', P = 'Policy', C = 'CLIPO', L = 'Lengths', O = 'Optimizer', F = 'Performance', T = 'Time', S = 'Supervised fine-tuning', RO = 'Rollout', E = 'Embeddings';

const ENTRIES: Record<string, Entry> = {
  [M.rewardMean]: ['Reward (mean)', 'reward', R],
  [M.rewardStd]: ['Reward (std)', 'reward', R],
  [M.accuracy]: ['Accuracy', 'fraction correct', R],
  [M.advantageMean]: ['Advantage (mean)', 'advantage', R],
  [M.advantageAbsMax]: ['Advantage (max |A|)', 'advantage', R],
  [M.zeroVarianceGroups]: ['Zero-variance groups', 'groups', R],
  [M.zeroVarianceFrac]: ['Zero-variance groups (share)', 'fraction of groups', R],
  [M.objective]: ['Policy objective', 'objective', P],
  [M.clipFrac]: ['Clip fraction', 'fraction of tokens', P],
  [M.clipFracLow]: ['Clip fraction (low)', 'fraction of tokens', P],
  [M.clipFracHigh]: ['Clip fraction (high)', 'fraction of tokens', P],
  [M.dualClipFrac]: ['Dual-clip fraction', 'fraction of tokens', P],
  [M.ratioMean]: ['Importance ratio (mean)', 'ratio', P],
  [M.ratioMin]: ['Importance ratio (min)', 'ratio', P],
  [M.ratioMax]: ['Importance ratio (max)', 'ratio', P],
  [M.approxKlOld]: ['KL to π_old', 'nats', P],
  [M.entropy]: ['Entropy', 'nats per token', P],
  [M.weightAbsMean]: ['Token weight (mean |w|)', 'weight', P],
  [M.klRef]: ['KL to reference', 'nats', P],
  [M.klCoef]: ['KL coefficient', 'coefficient', P],
  [M.conspoMargin]: ['ConSPO margin', 'margin', P],
  [M.conspoValidGroups]: ['ConSPO valid groups', 'groups', P],
  [M.conspoPosProb]: ['ConSPO p(correct)', 'probability', P],
  [M.discoValidGroups]: ['DisCO valid groups', 'groups', P],
  [M.discoKl]: ['DisCO KL', 'nats', P],
  [M.discoKlPenalty]: ['DisCO KL penalty', 'penalty', P],
  [M.filterKeptGroups]: ['DAPO kept groups', 'groups', RO],
  [M.filterDroppedGroups]: ['DAPO dropped groups', 'groups', RO],
  [M.clipoLoss]: ['CLIPO contrastive loss', 'loss', C],
  [M.clipoValidAnchors]: ['CLIPO valid anchors', 'anchors', C],
  [M.clipoRewardMean]: ['CLIPO contrastive reward (mean)', 'reward', C],
  [M.clipoRewardMin]: ['CLIPO contrastive reward (min)', 'reward', C],
  [M.clipoHeadStepped]: ['CLIPO head stepped', '0/1', C],
  [M.clipoHeadGradNorm]: ['CLIPO head gradient norm', 'L2 norm', C],
  [M.embPosPairSim]: ['Head similarity: correct–correct', 'cosine similarity', C],
  [M.embNegPairSim]: ['Head similarity: incorrect–incorrect', 'cosine similarity', C],
  [M.embMixedPairSim]: ['Head similarity: mixed pairs', 'cosine similarity', C],
  [M.hiddenPosPairSim]: ['Hidden-state similarity: correct–correct', 'cosine similarity', E],
  [M.hiddenNegPairSim]: ['Hidden-state similarity: incorrect–incorrect', 'cosine similarity', E],
  [M.hiddenMixedPairSim]: ['Hidden-state similarity: mixed pairs', 'cosine similarity', E],
  [M.projHeadExplained1]: ['Head PCA: variance on axis 1', 'fraction of variance', E],
  [M.projHeadExplained2]: ['Head PCA: variance on axis 2', 'fraction of variance', E],
  [M.projPooledExplained1]: ['Pooled-state PCA: variance on axis 1', 'fraction of variance', E],
  [M.projPooledExplained2]: ['Pooled-state PCA: variance on axis 2', 'fraction of variance', E],
  [M.lengthMean]: ['Completion length (mean)', 'tokens', L],
  [M.lengthMax]: ['Completion length (max)', 'tokens', L],
  [M.truncatedFrac]: ['Truncated completions', 'fraction', L],
  [M.truncatedAccuracy]: ['Accuracy among truncated', 'fraction correct', L],
  [M.finishedAccuracy]: ['Accuracy among finished', 'fraction correct', L],
  [M.lr]: ['Learning rate', 'learning rate', O],
  [M.gradNorm]: ['Gradient norm', 'L2 norm', O],
  [M.loss]: ['Loss', 'loss', O],
  [M.tokensPerSec]: ['Throughput', 'tokens/s', F],
  [M.peakBytes]: ['Engine peak memory', 'bytes', F],
  [M.timeRollout]: ['Time: rollout', 'seconds', T],
  [M.timeScoring]: ['Time: scoring', 'seconds', T],
  [M.timeUpdate]: ['Time: update', 'seconds', T],
  [M.timeStep]: ['Time per step', 'seconds', T],
  [M.timeOther]: ['Time: other', 'seconds', T],
  [M.timeSampler]: ['Time in the sampler', 'seconds', T],
  [M.timeEngine]: ['Time in the engine', 'seconds', T],
  [M.timeOverhead]: ['Time: loop overhead', 'seconds', T],
  [M.elapsed]: ['Elapsed time', 'seconds', T],
  [M.samplerLogpDiffMean]: ['Sampler vs trainer log-prob gap (mean)', 'nats', RO],
  [M.samplerLogpDiffMax]: ['Sampler vs trainer log-prob gap (max)', 'nats', RO],
  [M.samplerProbDiffMax]: ['Sampler vs trainer probability gap (max)', 'probability', RO],
  [M.isWeightMean]: ['Rollout correction weight (mean)', 'weight', RO],
  [M.isRatioMin]: ['Rollout correction ratio (min)', 'ratio', RO],
  [M.isRatioMax]: ['Rollout correction ratio (max)', 'ratio', RO],
  [M.isTruncatedFrac]: ['Rollout correction truncated', 'fraction of tokens', RO],
  [M.policyUpdated]: ['Policy updated', '0/1', P],
  [M.sftLoss]: ['SFT loss', 'nats per token', S],
  [M.sftHeldoutAccuracy]: ['SFT held-out accuracy', 'fraction correct', S],
  [M.sftTargetTokens]: ['SFT answer tokens', 'tokens', S],
  [M.sftTargetTokensPerSec]: ['SFT answer tokens per second', 'tokens/s', S],
  [M.phase]: ['Phase (0 SFT, 1 RL)', 'phase', S],
};

/** Every known metric, in the registry's order (families together). */
export const METRIC_REGISTRY: readonly MetricInfo[] = Object.entries(ENTRIES).map(([name, [label, unit, family]]) => ({ name, label, unit, family }));

export function metricInfo(name: string): MetricInfo {
  const e = ENTRIES[name];
  if (e) return { name, label: e[0], unit: e[1], family: e[2] };
  if (name.startsWith(REWARD_COMPONENT_PREFIX) && !REWARD_AGGREGATES.includes(name)) {
    return { name, label: `Reward component: ${name.slice(REWARD_COMPONENT_PREFIX.length)}`, unit: 'reward', family: R };
  }
  // An unknown key (e.g. a metric imported from verl): its last part, words split.
  const last = name.split('/').filter(Boolean).pop() ?? name;
  const words = last.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { name, label: words.charAt(0).toUpperCase() + words.slice(1), unit: '', family: 'Other' };
}
