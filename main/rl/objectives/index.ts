/**
 * Registry of policy objectives. Every entry shares Objective.compute(batch, params, ctx),
 * so the trainer never branches on the name: advantages → objective → (+KL) → weights.
 */
import { M } from '../../api/contract/metricNames.js';
import { lookup } from '../registry.js';
import type { Objective, ObjectiveContext, ObjectiveResult, RolloutBatch } from '../types.js';
import { cispo } from './cispo.js';
import { conspo } from './conspo.js';
import { dapo } from './dapo.js';
import { disco } from './disco.js';
import { drgrpo } from './drgrpo.js';
import { gmpo } from './gmpo.js';
import { grpo } from './grpo.js';
import { gspo } from './gspo.js';
import { addKlTerm, type KlParams } from './klTerm.js';
import { sapo } from './sapo.js';

export const objectives = {
  grpo,
  'ppo-clip': grpo,
  dapo,
  drgrpo,
  gspo,
  gmpo,
  cispo,
  sapo,
  conspo,
  disco,
} satisfies Record<string, Objective<any>>;

export type ObjectiveName = keyof typeof objectives;

/** The objective for a name; throws listing valid names. */
export function getObjective(name: string): Objective<any> {
  return lookup('objective', objectives, name);
}

/**
 * One call for the trainer: the named objective's weights plus the optional KL term.
 * @param params the variant's params (merged over its defaults).
 * @param kl KL-to-reference settings; omitted or coef 0 means no KL.
 * @param tokenScale [N_tok] rollout-correction weights (rolloutCorrection.ts), multiplying the
 *   policy term only, before the KL term is added (TRL grpo_trainer.py does the same).
 */
export function computePolicyWeights(
  name: string,
  batch: RolloutBatch,
  params: Record<string, unknown>,
  ctx: ObjectiveContext,
  kl?: KlParams,
  tokenScale?: ArrayLike<number>,
): ObjectiveResult {
  const result = getObjective(name).compute(batch, params, ctx);
  if (tokenScale) {
    if (tokenScale.length !== result.weights.length) throw new Error(`tokenScale has ${tokenScale.length} entries for ${result.weights.length} tokens`);
    for (let k = 0; k < result.weights.length; k++) result.weights[k]! *= tokenScale[k]!;
  }
  if (kl && kl.coef !== 0) addKlTerm(batch, result, kl, ctx);
  let s = 0;
  for (let k = 0; k < result.weights.length; k++) s += Math.abs(result.weights[k]!);
  result.metrics[M.weightAbsMean] = result.weights.length > 0 ? s / result.weights.length : 0;
  return result;
}
