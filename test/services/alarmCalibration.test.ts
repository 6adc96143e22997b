// The health alarms on a real run: the metrics of a 60-step `clipo train demo` (recorded once,
// test/services/fixtures/demoRunMetrics.json) replayed through the alarm history.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { alarmEpisodes, type StepMetrics } from '../../main/api/contract/healthAlarms.js';

describe('a real learning demo run raises no alarm', () => {
  it('replays `clipo train demo` (accuracy 0.17 → 0.98, entropy 3.4 → 0.1 nats) without an entropy-collapse alarm', () => {
    const { steps } = JSON.parse(readFileSync(new URL('./fixtures/demoRunMetrics.json', import.meta.url), 'utf8')) as { steps: StepMetrics[] };
    const ent = steps.map((s) => s.metrics[M.entropy]!);
    const acc = steps.map((s) => s.metrics[M.accuracy]!);
    // The run learned, and its entropy fell below a tenth of its start (what the old rule called a collapse).
    expect(acc.slice(-5).reduce((a, b) => a + b, 0) / 5).toBeGreaterThan(acc.slice(0, 5).reduce((a, b) => a + b, 0) / 5 + 0.3);
    expect(Math.min(...ent)).toBeLessThan(ent[0]! * 0.1);
    expect(alarmEpisodes(steps).filter((e) => e.alarm === 'entropy-collapse')).toEqual([]);
  });
});

describe('a model that starts sharp is not collapsing', () => {
  it('replays `npm run demo` (arith-reasoner, reward 0.52 → 0.81, entropy 0.01–0.07 nats from step 0) without an entropy-collapse alarm', () => {
    const { steps } = JSON.parse(readFileSync(new URL('./fixtures/reasoningDemoMetrics.json', import.meta.url), 'utf8')) as { steps: StepMetrics[] };
    const ent = steps.map((s) => s.metrics[M.entropy]!);
    expect(Math.max(...ent)).toBeLessThan(0.1); // sharp throughout: the old absolute rule (< 0.05) fired at step 4
    expect(alarmEpisodes(steps).filter((e) => e.alarm === 'entropy-collapse')).toEqual([]);
    // The same stalled run falling from a real spread still raises it.
    const fell = steps.map((s, i) => ({ step: s.step, metrics: { ...s.metrics, [M.entropy]: i < 3 ? 0.8 : 0.01, [M.rewardMean]: 0.5, [M.accuracy]: 0.5 } }));
    expect(alarmEpisodes(fell).filter((e) => e.alarm === 'entropy-collapse').length).toBe(1);
  });
});
