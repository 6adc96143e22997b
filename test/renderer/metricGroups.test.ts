/** The dashboard's chart list for SFT steps (renderer/lib/metricGroups.ts): charts appear only for metrics the run has. */
import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { chartGroups, leadingMetrics } from '../../renderer/lib/metricGroups.js';

describe('chartGroups', () => {
  it('an SFT-only run gets the SFT charts and the optimizer ones, no reward charts', () => {
    const g = chartGroups([M.sftLoss, M.sftHeldoutAccuracy, M.sftTargetTokensPerSec, M.loss, M.lr, M.tokensPerSec]);
    expect(g.map((x) => x.title)).toEqual(['Supervised fine-tuning', 'Optimizer', 'Performance']);
    expect(g[0]!.charts.map((c) => c.metrics.map((x) => x.name))).toEqual([[M.sftLoss], [M.sftHeldoutAccuracy], [M.sftTargetTokensPerSec]]);
  });
  it('an RL-only run shows no SFT group', () => {
    expect(chartGroups([M.rewardMean, M.accuracy]).map((x) => x.title)).toEqual(['Reward']);
  });
  it('a run without CLIPO shows no CLIPO group; its pooled-state similarity is under Embeddings', () => {
    const g = chartGroups([M.rewardMean, M.hiddenPosPairSim, M.hiddenNegPairSim, M.hiddenMixedPairSim]);
    expect(g.map((x) => x.title)).toEqual(['Reward', 'Embeddings']);
    expect(g[1]!.charts[0]!.yLabel).toBe('cosine similarity');
    expect(g[1]!.charts[0]!.help).toMatch(/cosine similarity.*correct–correct, incorrect–incorrect and mixed/);
  });
  it('a CLIPO run has its CLIPO charts, each explained with a named y axis', () => {
    const g = chartGroups([M.rewardMean, M.clipoLoss, M.clipoRewardMean, M.embPosPairSim]);
    const clipo = g.find((x) => x.title === 'CLIPO')!;
    expect(clipo.charts.map((c) => c.title)).toEqual(['Contrastive reward', 'Contrastive loss and valid anchors', 'Similarity fluctuation (head embeddings)']);
    for (const c of clipo.charts) { expect(c.help).toBeTruthy(); expect(c.yLabel).toBeTruthy(); }
  });
});

describe('leadingMetrics (fetched first for the top of the dashboard)', () => {
  it('lists the metrics of the first charts of a run that logs everything, in chart order', () => {
    const charts = chartGroups(Object.values(M)).flatMap((g) => g.charts);
    const first = leadingMetrics(5);
    expect(first).toEqual(charts.slice(0, 5).flatMap((c) => c.metrics.map((x) => x.name)));
    expect(first.slice(0, 4)).toEqual([M.sftLoss, M.sftHeldoutAccuracy, M.sftTargetTokensPerSec, M.rewardMean]);
    // Every chart's metrics once all charts are asked for; never a name the charts do not draw.
    const all = leadingMetrics(charts.length + 3);
    expect(new Set(all)).toEqual(new Set(charts.flatMap((c) => c.metrics.map((x) => x.name))));
  });
});
