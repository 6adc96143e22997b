/** Which charts the dashboard draws, grouped; a chart appears when its run has any of its metrics. */
import { M, REWARD_AGGREGATES, REWARD_COMPONENT_PREFIX } from '../../main/api/contract/metricNames.js';

export interface ChartSpec {
  title: string;
  metrics: { name: string; label: string }[];
  stacked?: boolean;
}
export interface ChartGroup {
  title: string;
  charts: ChartSpec[];
}

const m = (name: string, label: string) => ({ name, label });

export function chartGroups(available: string[]): ChartGroup[] {
  const has = new Set(available);
  const components = available
    .filter((n) => n.startsWith(REWARD_COMPONENT_PREFIX) && !REWARD_AGGREGATES.includes(n))
    .map((n) => m(n, n.slice(REWARD_COMPONENT_PREFIX.length)));
  const groups: ChartGroup[] = [
    { title: 'Reward', charts: [
      { title: 'Reward mean and std', metrics: [m(M.rewardMean, 'mean'), m(M.rewardStd, 'std')] },
      { title: 'Accuracy', metrics: [m(M.accuracy, 'accuracy')] },
      { title: 'Reward by component', metrics: components },
      { title: 'Zero-variance groups', metrics: [m(M.zeroVarianceFrac, 'fraction')] },
    ] },
    { title: 'CLIPO', charts: [
      { title: 'Contrastive reward', metrics: [m(M.clipoRewardMean, 'mean'), m(M.clipoRewardMin, 'min')] },
      { title: 'Contrastive loss and valid anchors', metrics: [m(M.clipoLoss, 'loss'), m(M.clipoValidAnchors, 'valid anchors')] },
      { title: 'Similarity fluctuation (head embeddings)', metrics: [m(M.embPosPairSim, 'correct–correct'), m(M.embNegPairSim, 'incorrect–incorrect'), m(M.embMixedPairSim, 'mixed')] },
      { title: 'Similarity fluctuation (pooled states)', metrics: [m(M.hiddenPosPairSim, 'correct–correct'), m(M.hiddenNegPairSim, 'incorrect–incorrect'), m(M.hiddenMixedPairSim, 'mixed')] },
    ] },
    { title: 'Lengths', charts: [
      { title: 'Completion length', metrics: [m(M.lengthMean, 'mean'), m(M.lengthMax, 'max')] },
      { title: 'Truncation rate', metrics: [m(M.truncatedFrac, 'truncated'), m(M.truncatedAccuracy, 'correct among truncated')] },
    ] },
    { title: 'Policy', charts: [
      { title: 'KL', metrics: [m(M.klRef, 'KL to reference'), m(M.approxKlOld, 'KL to π_old')] },
      { title: 'Clip fractions', metrics: [m(M.clipFrac, 'clipped'), m(M.clipFracLow, 'low'), m(M.clipFracHigh, 'high'), m(M.dualClipFrac, 'dual')] },
      { title: 'Entropy', metrics: [m(M.entropy, 'entropy')] },
      { title: 'ConSPO', metrics: [m(M.conspoMargin, 'margin'), m(M.conspoPosProb, 'p(correct)')] },
      { title: 'Rollout correction (π_old / π_sampler)', metrics: [m(M.isWeightMean, 'mean weight'), m(M.isRatioMin, 'min ratio'), m(M.isRatioMax, 'max ratio'), m(M.isTruncatedFrac, 'truncated')] },
    ] },
    { title: 'Optimizer', charts: [
      { title: 'Learning rate', metrics: [m(M.lr, 'lr')] },
      { title: 'Gradient norm', metrics: [m(M.gradNorm, 'grad norm')] },
      { title: 'Loss', metrics: [m(M.loss, 'loss'), m(M.objective, 'objective')] },
    ] },
    { title: 'Performance', charts: [
      { title: 'Tokens per second', metrics: [m(M.tokensPerSec, 'tokens/s')] },
      { title: 'Step time split', stacked: true, metrics: [m(M.timeRollout, 'rollout'), m(M.timeScoring, 'scoring'), m(M.timeUpdate, 'update'), m(M.timeOther, 'other')] },
    ] },
  ];
  return groups
    .map((g) => ({ ...g, charts: g.charts.map((c) => ({ ...c, metrics: c.metrics.filter((x) => has.has(x.name)) })).filter((c) => c.metrics.length > 0) }))
    .filter((g) => g.charts.length > 0);
}
