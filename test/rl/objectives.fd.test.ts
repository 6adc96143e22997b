/**
 * Finite-difference check (ggml test-backend-ops "grad" mode, ported): each objective's
 * weights equal the central difference of its scalar J w.r.t. each token's ℓ, away from
 * clip kinks (tokens whose one-sided differences disagree are skipped, and at least 60 %
 * of tokens must be checked). Stop-gradient quantities are pinned with ctx.frozenLogp.
 */
import { describe, expect, test } from 'vitest';
import { computePolicyWeights, objectives } from '../../main/rl/objectives/index.js';
import type { AggregationName, ObjectiveContext, RolloutBatch } from '../../main/rl/types.js';
import { fdGrad, randomBatch } from './helpers.js';

const aggs: AggregationName[] = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'constant-normalised'];

// Δ spread per variant: wide enough to exercise clipping, GSPO's ε is 4e-4 so it needs tiny Δ.
const spread: Record<string, number> = { gspo: 4e-4, gmpo: 0.6, conspo: 0.3, disco: 0.3 };

const cases = Object.keys(objectives).flatMap((name) => aggs.map((agg) => [name, agg] as const));

function check(batch: RolloutBatch, name: string, ctx: ObjectiveContext, kl?: Parameters<typeof computePolicyWeights>[4]): void {
  const res = computePolicyWeights(name, batch, {}, ctx, kl);
  const fd = fdGrad(batch, (b) => computePolicyWeights(name, b, {}, { ...ctx, frozenLogp: batch.logp }, kl).objective);
  let checked = 0;
  for (let k = 0; k < fd.length; k++) {
    if (Number.isNaN(fd[k])) continue;
    checked++;
    const w = res.weights[k]!;
    expect(Math.abs(w - fd[k]!), `token ${k}: w=${w} fd=${fd[k]}`).toBeLessThan(2e-7 + 1e-5 * Math.abs(fd[k]!));
  }
  expect(checked / fd.length).toBeGreaterThan(0.6);
}

describe('weights = ∂J/∂ℓ by central finite differences', () => {
  test.each(cases)('%s with %s', (name, agg) => {
    const batch = randomBatch(11, 4, 4, 6, spread[name] ?? 0.35, true);
    check(batch, name, { step: 30, totalSteps: 100, aggregation: agg, frozenLogp: batch.logp });
  });

  test.each(['k1', 'k2', 'k3'] as const)('KL term %s (β = 0.05) on top of grpo', (estimator) => {
    const batch = randomBatch(5, 3, 4, 5, 0.1);
    check(batch, 'grpo', { step: 0, totalSteps: 10, aggregation: 'token-mean' }, { coef: 0.05, estimator });
  });
});
