import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { readVerlMetrics, VerlMetricsError } from '../../main/export/verl/verlMetrics.js';

describe('readVerlMetrics (verl file-logger lines → desktop metric names)', () => {
  it('maps verl names, keeps validation accuracy per data source, ignores the rest', () => {
    const text = [
      JSON.stringify({ step: 1, data: { 'critic/score/mean': 0.25, 'response_length/mean': 101.5, 'actor/entropy': 0.7, 'actor/kl_loss': 0.002, 'train/num_gen_batches': 2, 'embeddings/group/pos_pair_sim/mean': 0.9 } }),
      JSON.stringify({ step: 2, data: { 'critic/score/mean': 0.5, 'val-core/clipo/gsm8k/acc/mean@1': 0.4, 'val-aux/clipo/gsm8k/score/mean@1': 0.4, 'actor/pg_clipfrac': 'nan' } }),
      '{"step": 3, "data": {"critic/sc', // torn last line (run killed mid-write)
    ].join('\n');
    expect(readVerlMetrics(text)).toEqual([
      { step: 1, metrics: { [M.rewardMean]: 0.25, [M.lengthMean]: 101.5, [M.entropy]: 0.7, [M.klRef]: 0.002, [M.embPosPairSim]: 0.9 }, validation: [] },
      { step: 2, metrics: { [M.rewardMean]: 0.5 }, validation: [{ dataSource: 'clipo/gsm8k', n: 1, accuracy: 0.4 }] },
    ]);
  });

  it('a malformed line in the middle is a typed error with its line number', () => {
    expect(() => readVerlMetrics('{"step":1,"data":{}}\nnot json\n{"step":2,"data":{}}\n')).toThrow(VerlMetricsError);
    expect(() => readVerlMetrics('{"step":"x","data":{}}\n{"step":2,"data":{}}')).toThrow(/line 1: expected/);
  });
});
