import { describe, expect, it } from 'vitest';
import { rolloutMetrics } from '../../main/trainer/stepMetrics.js';
import { M } from '../../main/api/contract/metricNames.js';
import { alarmEpisodes, FLAT_WINDOW, healthAlarms, type StepMetrics } from '../../renderer/lib/healthAlarms.js';

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
    expect(ids(rows(3, () => ({ [M.truncatedFrac]: 0.9, [M.truncatedAccuracy]: 0.02 })))).toEqual(['truncation']);
    expect(ids(rows(FLAT_WINDOW, () => ({ [M.rewardMean]: 0.25 })))).toEqual(['reward-flat']);
    expect(ids(rows(FLAT_WINDOW - 1, () => ({ [M.rewardMean]: 0.25 })))).toEqual([]);
  });
  it('flags a sampler/trainer mismatch that lasts 3 steps, not a blip or quantisation-sized noise', () => {
    expect(ids(rows(3, () => ({ [M.samplerLogpDiffMean]: 0.2 })))).toEqual(['sampler-mismatch']);
    expect(ids(rows(3, (i) => ({ [M.samplerLogpDiffMean]: i === 1 ? 0.2 : 0.001 })))).toEqual([]);
    expect(ids(rows(10, () => ({ [M.samplerLogpDiffMean]: 0.01 })))).toEqual([]);
    expect(ids(rows(2, () => ({ [M.samplerLogpDiffMean]: 0.3 })))).toEqual([]);
    expect(healthAlarms(rows(3, () => ({ [M.samplerLogpDiffMean]: 0.2 })))[0]!.title).toMatch(/0\.200 nats/);
  });
});

describe('the truncation alarm fires only when truncation costs answers', () => {
  const truncation = (r: StepMetrics[]) => healthAlarms(r).find((a) => a.id === 'truncation');
  /** Raises the alarm at any point of a run (the dashboard looks at every prefix as it trains). */
  const everFires = (r: StepMetrics[]) => r.some((_, i) => truncation(r.slice(0, i + 1)) !== undefined);

  it('stays quiet on the demo: maxTokens 2, every completion truncated, the answer comes first', () => {
    // Accuracy per step of a real demo run (seed 1; 64 completions a step, all truncated bar a handful).
    const acc = [0.17, 0.34, 0.41, 0.55, 0.58, 0.64, 0.58, 0.55, 0.64, 0.77, 0.66, 0.72, 0.48, 0.83, 0.67, 0.75, 0.77, 0.83, 0.98, 0.97];
    const demo = rows(acc.length, (i) => ({ [M.truncatedFrac]: i === 7 ? 0.98 : 1, [M.accuracy]: acc[i]!, [M.truncatedAccuracy]: acc[i]!, ...(i === 7 ? { [M.finishedAccuracy]: 1 } : {}) }));
    expect(everFires(demo)).toBe(false);
    // The same run before the per-side accuracies were recorded (only accuracy and truncation): quiet too.
    expect(everFires(rows(acc.length, (i) => ({ [M.truncatedFrac]: 1, [M.accuracy]: acc[i]! })))).toBe(false);
    // A worst-case start at chance level (1 in 8) for the first steps does not fire either.
    expect(everFires(rows(5, () => ({ [M.truncatedFrac]: 1, [M.truncatedAccuracy]: 0.125 })))).toBe(false);
  });

  it('fires when completions are cut off before the answer', () => {
    // Math with maxTokens far too small: nearly all truncated, almost none of those right, short ones often right.
    const cut = truncation(rows(3, () => ({ [M.truncatedFrac]: 0.95, [M.truncatedAccuracy]: 0.02, [M.finishedAccuracy]: 0.5 })));
    expect(cut?.title).toMatch(/before a correct answer \(95 % truncated, 2 % of those correct\)/);
    expect(cut?.fix).toMatch(/Raise maxTokens/);
    // Fewer truncated but they fare far worse than the finished ones.
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.7, [M.truncatedAccuracy]: 0.3, [M.finishedAccuracy]: 0.8 })))?.title)
      .toMatch(/70 % truncated, 30 % of those correct vs 80 % of the finished ones/);
    // An older run with overall accuracy only: 5 % right and 90 % truncated bounds the truncated ones' accuracy below 10 %.
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.9, [M.accuracy]: 0.05 })))).toBeDefined();
  });

  it('stays quiet when truncated completions are right, do as well as finished ones, are a minority, or data is short', () => {
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.9, [M.truncatedAccuracy]: 0.8 })))).toBeUndefined();
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.7, [M.truncatedAccuracy]: 0.45, [M.finishedAccuracy]: 0.6 })))).toBeUndefined();
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.4, [M.truncatedAccuracy]: 0, [M.finishedAccuracy]: 0.9 })))).toBeUndefined();
    expect(truncation(rows(2, () => ({ [M.truncatedFrac]: 1, [M.truncatedAccuracy]: 0 })))).toBeUndefined();
    // Overall accuracy 30 % at 90 % truncation cannot tell whether the truncated ones are right: no alarm.
    expect(truncation(rows(3, () => ({ [M.truncatedFrac]: 0.9, [M.accuracy]: 0.3 })))).toBeUndefined();
  });

  it('the trainer records the accuracy on each side of the token limit', () => {
    const r = (correct: boolean, truncated: boolean) => ({ reward: correct ? 1 : 0, correct, components: {}, length: 4, truncated });
    const m = rolloutMetrics([r(true, true), r(false, true), r(false, true), r(true, false)]);
    expect(m[M.truncatedFrac]).toBe(0.75);
    expect(m[M.truncatedAccuracy]).toBeCloseTo(1 / 3, 12);
    expect(m[M.finishedAccuracy]).toBe(1);
    const none = rolloutMetrics([r(true, false), r(false, false)]);
    expect(none[M.truncatedAccuracy]).toBeUndefined();
    expect(none[M.finishedAccuracy]).toBe(0.5);
    expect(rolloutMetrics([r(false, true)])[M.finishedAccuracy]).toBeUndefined();
  });
});

describe('entropy collapse is calibrated against learning', () => {
  // Entropy falling 1.5 → 0.03 nats over 40 steps: the old rule (collapse alone) fires on both runs.
  const entropy = (i: number) => 1.5 * Math.exp(-i / 10);
  it('stays quiet while the reward climbs or once the task is solved', () => {
    expect(ids(rows(40, (i) => ({ [M.entropy]: entropy(i), [M.rewardMean]: 0.2 + 0.015 * i, [M.accuracy]: 0.2 + 0.015 * i })))).toEqual([]);
    expect(ids(rows(40, (i) => ({ [M.entropy]: entropy(i), [M.rewardMean]: 0.95 + 0.01 * Math.sin(i), [M.accuracy]: 0.95 })))).toEqual([]);
  });
  it('fires when entropy collapsed and the reward stalled short of solving the task', () => {
    expect(ids(rows(40, (i) => ({ [M.entropy]: entropy(i), [M.rewardMean]: 0.3 + 0.01 * Math.sin(i), [M.accuracy]: 0.3 })))).toEqual(['entropy-collapse']);
  });
});

describe('alarmEpisodes', () => {
  it('merges the steps an alarm held into episodes, split where it cleared', () => {
    // NaN loss at steps 3-4 and again at 8: two episodes with exactly those steps.
    const r = rows(10, (i) => ({ [M.loss]: i === 2 || i === 3 || i === 7 ? NaN : 0.1 }));
    const eps = alarmEpisodes(r);
    expect(eps.map((e) => [e.alarm, e.firstStep, e.lastStep])).toEqual([['nan-loss', 3, 4], ['nan-loss', 8, 8]]);
    // Replaying from part-way gives the same later episodes (the steps before only fill the window).
    expect(alarmEpisodes(r, 5).map((e) => [e.firstStep, e.lastStep])).toEqual([[8, 8]]);
  });
});

// The alarm replay (runsService.recordAlarms) loads only ALARM_METRICS from the store: a metric the
// checks read but the list lacks would silently never raise its alarm on replay. Record every key
// the checks touch (reads and hasOwnProperty) over scenarios that reach each check's branches.
describe('ALARM_METRICS', () => {
  it('names every metric healthAlarms reads', async () => {
    const { ALARM_METRICS } = await import('../../main/api/contract/healthAlarms.js');
    const touched = new Set<string>();
    const spy = (m: Record<string, number>): Record<string, number> => new Proxy(m, {
      get: (t, k) => { if (typeof k === 'string') touched.add(k); return Reflect.get(t, k); },
      getOwnPropertyDescriptor: (t, k) => { if (typeof k === 'string') touched.add(k); return Reflect.getOwnPropertyDescriptor(t, k); },
      has: (t, k) => { if (typeof k === 'string') touched.add(k); return Reflect.has(t, k); },
    });
    const all = Object.values(M);
    const full = (i: number, v: (k: string) => number) => spy(Object.fromEntries(all.map((k) => [k, v(k) * (1 + (i % 3))])));
    const scenarios: StepMetrics[][] = [
      rows(60, (i) => full(i, () => 0.5)),
      rows(60, (i) => full(i, (k) => (k === M.loss && i === 59 ? NaN : k === M.entropy && i > 50 ? 0.001 : 0.9))),
      rows(60, (i) => full(i, (k) => (k === M.truncatedFrac ? 0.95 : k === M.zeroVarianceFrac ? 1 : k === M.samplerLogpDiffMean ? 0.5 : 0.01))),
      rows(60, (i) => spy({ [M.rewardMean]: 0.25, [M.accuracy]: i / 60, [M.klRef]: i < 55 ? 0.01 : 1 })),
    ];
    for (const s of scenarios) for (let i = 1; i <= s.length; i++) healthAlarms(s.slice(0, i));
    const metricKeys = [...touched].filter((k) => all.includes(k as (typeof all)[number]));
    expect(metricKeys.length).toBeGreaterThan(5);
    expect(metricKeys.filter((k) => !ALARM_METRICS.includes(k)).sort()).toEqual([]);
  });
});
