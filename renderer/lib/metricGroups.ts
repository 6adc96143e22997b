/**
 * Which charts the dashboard draws, grouped. A chart appears when its run has
 * any of its metrics with at least one value (`available` lists only those:
 * a metric logged only as NaN, e.g. a similarity with no pairs in any step,
 * draws no empty chart). CLIPO's own charts need the head's metrics, so a run
 * without CLIPO shows no CLIPO group; its pooled-state similarity (logged for
 * every RL run) is under "Embeddings".
 */
import { M, REWARD_AGGREGATES, REWARD_COMPONENT_PREFIX } from '../../main/api/contract/metricNames.js';

export interface ChartSpec {
  title: string;
  metrics: { name: string; label: string }[];
  /** The y axis title with its unit. */
  yLabel: string;
  /** One or two sentences under the chart saying what it shows, for charts a newcomer cannot read off the title. */
  help?: string;
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
    // SFT steps of a run (alone, or before its RL steps on the same step axis).
    { title: 'Supervised fine-tuning', charts: [
      { title: 'SFT loss (nats per answer token)', yLabel: 'nats per token', metrics: [m(M.sftLoss, 'loss')] },
      { title: 'Held-out accuracy (greedy, run verifier)', yLabel: 'fraction correct', metrics: [m(M.sftHeldoutAccuracy, 'accuracy')] },
      { title: 'SFT answer tokens per second', yLabel: 'tokens/s', metrics: [m(M.sftTargetTokensPerSec, 'answer tokens/s')] },
    ] },
    { title: 'Reward', charts: [
      { title: 'Reward mean and std', yLabel: 'reward', metrics: [m(M.rewardMean, 'mean'), m(M.rewardStd, 'std')] },
      { title: 'Accuracy', yLabel: 'fraction correct', metrics: [m(M.accuracy, 'accuracy')] },
      { title: 'Reward by component', yLabel: 'reward', metrics: components },
      { title: 'Zero-variance groups', yLabel: 'fraction of groups', metrics: [m(M.zeroVarianceFrac, 'fraction')] },
    ] },
    { title: 'CLIPO', charts: [
      { title: 'Contrastive reward', yLabel: 'reward', help: 'The extra reward CLIPO gives each correct completion for being close to the other correct ones of its group.', metrics: [m(M.clipoRewardMean, 'mean'), m(M.clipoRewardMin, 'min')] },
      { title: 'Contrastive loss and valid anchors', yLabel: 'loss / count', help: 'The contrastive head\'s loss, and how many correct completions had another correct one in their group to be compared with (anchors).', metrics: [m(M.clipoLoss, 'loss'), m(M.clipoValidAnchors, 'valid anchors')] },
      { title: 'Similarity fluctuation (head embeddings)', yLabel: 'cosine similarity', help: 'Mean cosine similarity between the embeddings of two completions of the same prompt, over pairs of correct–correct, incorrect–incorrect and mixed (one correct, one incorrect) completions (CLIPO §1.7, metric_utils.py). Contrastive learning should pull correct answers together (correct–correct rises) and push them away from wrong ones (mixed falls). Only steps with such pairs have a value. Here: the CLIPO head\'s output.', metrics: [m(M.embPosPairSim, 'correct–correct'), m(M.embNegPairSim, 'incorrect–incorrect'), m(M.embMixedPairSim, 'mixed')] },
    ] },
    { title: 'Embeddings', charts: [
      { title: 'Similarity fluctuation (pooled states)', yLabel: 'cosine similarity', help: 'Mean cosine similarity between the embeddings of two completions of the same prompt, over pairs of correct–correct, incorrect–incorrect and mixed (one correct, one incorrect) completions (CLIPO §1.7, metric_utils.py). Contrastive learning should pull correct answers together (correct–correct rises) and push them away from wrong ones (mixed falls). Only steps with such pairs have a value. Here: the model\'s mean-pooled last hidden states.', metrics: [m(M.hiddenPosPairSim, 'correct–correct'), m(M.hiddenNegPairSim, 'incorrect–incorrect'), m(M.hiddenMixedPairSim, 'mixed')] },
    ] },
    { title: 'Lengths', charts: [
      { title: 'Completion length', yLabel: 'tokens', metrics: [m(M.lengthMean, 'mean'), m(M.lengthMax, 'max')] },
      { title: 'Truncation rate', yLabel: 'fraction', metrics: [m(M.truncatedFrac, 'truncated'), m(M.truncatedAccuracy, 'correct among truncated')] },
    ] },
    { title: 'Policy', charts: [
      { title: 'KL', yLabel: 'nats', metrics: [m(M.klRef, 'KL to reference'), m(M.approxKlOld, 'KL to π_old')] },
      { title: 'Clip fractions', yLabel: 'fraction of tokens', metrics: [m(M.clipFrac, 'clipped'), m(M.clipFracLow, 'low'), m(M.clipFracHigh, 'high'), m(M.dualClipFrac, 'dual')] },
      { title: 'Entropy', yLabel: 'nats per token', metrics: [m(M.entropy, 'entropy')] },
      { title: 'ConSPO', yLabel: 'margin / probability', metrics: [m(M.conspoMargin, 'margin'), m(M.conspoPosProb, 'p(correct)')] },
      { title: 'Rollout correction (π_old / π_sampler)', yLabel: 'ratio / fraction', metrics: [m(M.isWeightMean, 'mean weight'), m(M.isRatioMin, 'min ratio'), m(M.isRatioMax, 'max ratio'), m(M.isTruncatedFrac, 'truncated')] },
    ] },
    { title: 'Optimizer', charts: [
      { title: 'Learning rate', yLabel: 'learning rate', metrics: [m(M.lr, 'lr')] },
      { title: 'Gradient norm', yLabel: 'L2 norm', metrics: [m(M.gradNorm, 'grad norm')] },
      { title: 'Loss', yLabel: 'loss', metrics: [m(M.loss, 'loss'), m(M.objective, 'objective')] },
    ] },
    { title: 'Performance', charts: [
      { title: 'Tokens per second', yLabel: 'tokens / s', metrics: [m(M.tokensPerSec, 'tokens/s')] },
      { title: 'Step time split', yLabel: 'seconds', stacked: true, metrics: [m(M.timeRollout, 'rollout'), m(M.timeScoring, 'scoring'), m(M.timeUpdate, 'update'), m(M.timeOther, 'other')] },
    ] },
  ];
  return groups
    .map((g) => ({ ...g, charts: g.charts.map((c) => ({ ...c, metrics: c.metrics.filter((x) => has.has(x.name)) })).filter((c) => c.metrics.length > 0) }))
    .filter((g) => g.charts.length > 0);
}

/**
 * The metrics of the first `charts` charts of a run that logs every known metric: the top of the
 * dashboard, which it fetches before the rest so those charts draw while the others are read
 * (a 10,000-step run's 77 metrics take the store most of a second to downsample).
 */
export function leadingMetrics(charts: number): string[] {
  return chartGroups(Object.values(M)).flatMap((g) => g.charts).slice(0, charts).flatMap((c) => c.metrics.map((x) => x.name));
}
