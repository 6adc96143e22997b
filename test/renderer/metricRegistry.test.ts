// The metric registry names every metric constant, with a unit, and distinct labels.
import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { METRIC_REGISTRY, metricInfo } from '../../main/api/contract/metricRegistry.js';

describe('metric registry', () => {
  it('has every metric name with a label and a unit, and no two share a label', () => {
    const names = new Set(METRIC_REGISTRY.map((m) => m.name));
    for (const n of Object.values(M)) expect(names.has(n), n).toBe(true);
    for (const m of METRIC_REGISTRY) { expect(m.label).not.toBe(m.name); expect(m.unit.length, m.name).toBeGreaterThan(0); }
    expect(new Set(METRIC_REGISTRY.map((m) => m.label)).size).toBe(METRIC_REGISTRY.length);
  });
  it('names reward components and unknown keys readably', () => {
    expect(metricInfo('reward/exactMatch')).toMatchObject({ label: 'Reward component: exactMatch', unit: 'reward' });
    expect(metricInfo('actor/pg_clipfrac').label).toBe('Pg clipfrac');
    expect(metricInfo(M.accuracy).label).toBe('Accuracy');
  });
});
