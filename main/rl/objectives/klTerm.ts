/**
 * KL-to-reference as an extra weight term: J += −β·agg(k(ℓ, ℓ^ref)), so
 * w^KL_{i,t} = −β·c_{i,t}·∂k/∂ℓ_{i,t}, added in place to the objective's weights.
 * Aggregated with the same mode as the policy loss (verl dp_actor.py:640-650).
 * reference: ALGORITHMS §3 "Shared KL"; verl kl_penalty_forward.
 */
import { M } from '../../api/contract/metricNames.js';
import { getKlEstimator, type KlEstimatorName } from '../klEstimators.js';
import type { AggregationName, ObjectiveContext, ObjectiveResult, RolloutBatch } from '../types.js';
import { seqCoefs } from './common.js';

export interface KlParams {
  /** β; 0 disables the term. */
  coef: number;
  /** Estimator name (CLIPO scripts: k3 at 1e-3). */
  estimator: KlEstimatorName;
  /** Aggregation override; undefined uses ctx.aggregation. */
  aggregation?: AggregationName;
}

/** Adds the KL term to `result` (weights, objective, metrics) and returns it. */
export function addKlTerm(
  batch: RolloutBatch,
  result: ObjectiveResult,
  kl: KlParams,
  ctx: ObjectiveContext,
): ObjectiveResult {
  if (kl.coef === 0) return result;
  const ref = batch.refLogp;
  if (!ref) throw new Error('KL to reference needs batch.refLogp');
  const est = getKlEstimator(kl.estimator);
  const c = seqCoefs(batch, ctx, kl.aggregation);
  const off = batch.tokenOffsets;
  let klAgg = 0;
  let klMean = 0;
  for (let i = 0; i + 1 < off.length; i++) {
    for (let k = off[i]!; k < off[i + 1]!; k++) {
      const l = batch.logp[k]!;
      const v = est.value(l, ref[k]!);
      klAgg += c[i]! * v;
      klMean += v;
      result.weights[k]! += -kl.coef * c[i]! * est.grad(l, ref[k]!);
    }
  }
  const n = batch.logp.length;
  result.objective -= kl.coef * klAgg;
  result.metrics[M.klRef] = n > 0 ? klMean / n : 0;
  result.metrics[M.klCoef] = kl.coef;
  result.metrics[M.objective] = result.objective;
  return result;
}
