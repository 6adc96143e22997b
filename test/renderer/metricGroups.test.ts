/** The dashboard's chart list for SFT steps (renderer/lib/metricGroups.ts): charts appear only for metrics the run has. */
import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { chartGroups } from '../../renderer/lib/metricGroups.js';

describe('chartGroups', () => {
  it('an SFT-only run gets the SFT charts and the optimizer ones, no reward charts', () => {
    const g = chartGroups([M.sftLoss, M.sftHeldoutAccuracy, M.sftTargetTokensPerSec, M.loss, M.lr, M.tokensPerSec]);
    expect(g.map((x) => x.title)).toEqual(['Supervised fine-tuning', 'Optimizer', 'Performance']);
    expect(g[0]!.charts.map((c) => c.metrics.map((x) => x.name))).toEqual([[M.sftLoss], [M.sftHeldoutAccuracy], [M.sftTargetTokensPerSec]]);
  });
  it('an RL-only run shows no SFT group', () => {
    expect(chartGroups([M.rewardMean, M.accuracy]).map((x) => x.title)).toEqual(['Reward']);
  });
});
