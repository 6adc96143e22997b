/**
 * Reads back what a verl run of a bundle logged (its file logger, verl/utils/tracking.py FileLogger:
 * one `{"step": N, "data": {name: value}}` line per step in metrics.jsonl) under the desktop's metric
 * names, so a verl run's curves can be set beside the desktop run's. Names are verl's
 * (trainer/ppo/metric_utils.py compute_data_metrics/compute_timing_metrics, workers/actor/dp_actor.py);
 * the CLIPO fork's embedding metrics already use the desktop's spelling (metricNames.ts). Pure.
 *
 * Deliberately not here: storing them (a `clipo import` into the store is not wired up yet).
 */
import { M } from '../../api/contract/metricNames.js';

const MAP: Record<string, string> = {
  'critic/score/mean': M.rewardMean,
  'critic/advantages/mean': M.advantageMean,
  'response_length/mean': M.lengthMean,
  'response_length/max': M.lengthMax,
  'response_length/clip_ratio': M.truncatedFrac,
  'actor/entropy': M.entropy,
  'actor/kl_loss': M.klRef,
  'actor/kl_coef': M.klCoef,
  'actor/pg_clipfrac': M.clipFrac,
  'actor/pg_clipfrac_lower': M.dualClipFrac,
  'actor/ppo_kl': M.approxKlOld,
  'actor/grad_norm': M.gradNorm,
  'actor/lr': M.lr,
  'timing_s/gen': M.timeRollout,
  'timing_s/update_actor': M.timeUpdate,
  'timing_s/step': M.timeStep,
};
const SAME = new Set<string>([M.embPosPairSim, M.embNegPairSim, M.embMixedPairSim, M.hiddenPosPairSim, M.hiddenNegPairSim, M.hiddenMixedPairSim]);

export interface VerlStepMetrics {
  step: number;
  /** Desktop metric name → value. */
  metrics: Record<string, number>;
  /** Held-out accuracy per data source (`val-core/<source>/acc/mean@<n>`), when validation ran at this step. */
  validation: { dataSource: string; n: number; accuracy: number }[];
}

export class VerlMetricsError extends Error {
  readonly code = 'invalid_argument';
  constructor(readonly line: number, reason: string) {
    super(`metrics.jsonl line ${line}: ${reason}`);
    this.name = 'VerlMetricsError';
  }
}

export function readVerlMetrics(text: string): VerlStepMetrics[] {
  const out: VerlStepMetrics[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      // A torn last line (the run was killed mid-write) is skipped; a bad line elsewhere is an error.
      if (i >= lines.length - 2) continue;
      throw new VerlMetricsError(i + 1, 'not JSON');
    }
    const r = rec as { step?: unknown; data?: unknown };
    if (typeof r.step !== 'number' || !Number.isInteger(r.step) || typeof r.data !== 'object' || r.data === null) throw new VerlMetricsError(i + 1, 'expected {"step": <int>, "data": {...}}');
    const step: VerlStepMetrics = { step: r.step, metrics: {}, validation: [] };
    for (const [k, v] of Object.entries(r.data as Record<string, unknown>)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const val = /^val-core\/(.+)\/acc\/mean@(\d+)$/.exec(k);
      if (val) step.validation.push({ dataSource: val[1]!, n: Number(val[2]), accuracy: v });
      else if (MAP[k]) step.metrics[MAP[k]!] = v;
      else if (SAME.has(k)) step.metrics[k] = v;
    }
    out.push(step);
  }
  return out;
}
