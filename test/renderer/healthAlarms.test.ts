import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { FLAT_WINDOW, healthAlarms, type StepMetrics } from '../../renderer/lib/healthAlarms.js';

const rows = (n: number, f: (i: number) => Record<string, number>): StepMetrics[] =>
  Array.from({ length: n }, (_, i) => ({ step: i + 1, metrics: f(i) }));
const ids = (r: StepMetrics[]) => healthAlarms(r).map((a) => a.id).sort();

describe('healthAlarms', () => {
  it('is quiet on a healthy run and on no data', () => {
    expect(healthAlarms([])).toEqual([]);
    expect(ids(rows(40, (i) => ({ [M.rewardMean]: i / 40, [M.entropy]: 1, [M.zeroVarianceFrac]: 0.2, [M.truncatedFrac]: 0.1, [M.loss]: 0.3, [M.klRef]: 0.01 })))).toEqual([]);
  });
  it('flags a NaN loss', () => {
    const r = healthAlarms(rows(3, (i) => ({ [M.loss]: i === 2 ? NaN : 0.1 })));
    expect(r.map((a) => a.id)).toEqual(['nan-loss']);
    expect(r[0]!.fix).toMatch(/learning rate/);
  });
  it('flags all-zero-variance groups, entropy collapse, KL blow-up, truncation and a flat reward', () => {
    expect(ids(rows(5, () => ({ [M.zeroVarianceFrac]: 1 })))).toEqual(['zero-variance']);
    expect(ids(rows(5, () => ({ [M.zeroVarianceFrac]: 0.5 })))).toEqual([]);
    expect(ids(rows(10, (i) => ({ [M.entropy]: i < 9 ? 2 : 0.01 })))).toEqual(['entropy-collapse']);
    expect(ids(rows(12, (i) => ({ [M.klRef]: i < 11 ? 0.01 : 0.5 })))).toEqual(['kl-blowup']);
    expect(ids(rows(3, () => ({ [M.truncatedFrac]: 0.9 })))).toEqual(['truncation']);
    expect(ids(rows(FLAT_WINDOW, () => ({ [M.rewardMean]: 0.25 })))).toEqual(['reward-flat']);
    expect(ids(rows(FLAT_WINDOW - 1, () => ({ [M.rewardMean]: 0.25 })))).toEqual([]);
  });
});
