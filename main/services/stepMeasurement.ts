/**
 * The preflight's measurement: the newest run of the same model that trained
 * at least MIN_STEPS steps, with the engine's peak bytes it logged (the
 * reserved compute buffers plus weights, adapter and optimizer:
 * perf/enginePeakBytes, written by the trainer after engine.reserve) and its
 * median measured step time (time/step over its last steps).
 */
import type { Recipe } from '../api/contract/index.js';
import { M } from '../api/contract/metricNames.js';
import type { Store } from '../store/index.js';
import type { StepMeasurement } from './preflightService.js';

const MIN_STEPS = 2;
const LAST_STEPS = 20;

const sameModel = (a: Recipe['model'], b: Recipe['model']): boolean =>
  a.kind === b.kind && (a.kind === 'builtin' ? b.kind === 'builtin' && a.name === b.name : b.kind === 'file' && a.path === b.path);

export function latestMeasurement(store: Store, recipe: Recipe): StepMeasurement | null {
  for (const run of store.runs.list({ limit: 200 })) {
    if (run.currentStep + 1 < MIN_STEPS) continue;
    let r: Recipe;
    try { r = JSON.parse(run.recipeJson) as Recipe; } catch { continue; }
    if (!sameModel(r.model, recipe.model) || r.hardware.backend !== recipe.hardware.backend) continue;
    const rows = store.metrics.latest(run.id, LAST_STEPS);
    // The run's first step includes loading and warm-up: leave it out when there are others. (It used to drop
    // the first of the last LAST_STEPS rows, which is an ordinary step once a run has more than LAST_STEPS.)
    const stepTimes = rows.map((x) => ({ step: x.step, t: x.metrics[M.timeStep] })).filter((x): x is { step: number; t: number } => typeof x.t === 'number' && x.t > 0);
    const peaks = rows.map((x) => x.metrics[M.peakBytes]).filter((v): v is number => typeof v === 'number' && v > 0);
    if (stepTimes.length === 0 && peaks.length === 0) continue;
    const warm = stepTimes.length > 1 ? stepTimes.filter((x) => x.step !== 0) : stepTimes;
    const sorted = warm.map((x) => x.t).sort((a, b) => a - b);
    return {
      runId: run.id, name: run.name, recipe: r,
      peakBytes: peaks.length ? Math.max(...peaks) : null,
      secondsPerStep: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null,
    };
  }
  return null;
}
