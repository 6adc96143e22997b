/** The trainer's per-step flow through the pure core: CLIPO → advantages → objective (+KL) → weights. */
import { expect, test } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import {
  addContrastiveReward,
  clipoStep,
  computePolicyWeights,
  getAdvantage,
  initClipoHead,
  policyUpdatesAtStep,
  Rng,
} from '../../main/rl/index.js';
import { randomBatch } from './helpers.js';

test('one step: r_cl lowers the advantage of correct responses with a larger contrastive loss', () => {
  const Q = 2;
  const G = 6;
  const d = 12;
  const batch = randomBatch(5, Q, G, 6, 0.05);
  const rng = Rng.fromSeed(3);
  const pooled = Float32Array.from({ length: Q * G * d }, () => rng.uniform(-1, 1));
  const labels = Uint8Array.from([1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0]);
  const rewards = Float64Array.from(labels);
  const lengths = Int32Array.from({ length: Q * G }, (_, i) => batch.tokenOffsets[i + 1]! - batch.tokenOffsets[i]!);
  const head = initClipoHead({ kind: 'linear', inDim: d, outDim: 8, seed: 1 });
  // τ = 1 keeps r_cl above the −0.5 clamp so the ordering is visible (τ = 0.05 saturates it here)
  const cl = clipoStep(head, { pooled, labels, groupIndex: batch.groupIndex, responseLengths: lengths }, { temperature: 1, lossType: 'supcon-out' });
  const R = addContrastiveReward(rewards, cl.rCl);
  const adv = getAdvantage('grpo').compute({ rewards: R, groupIndex: batch.groupIndex, numGroups: Q }, {});
  let compared = 0;
  for (let g = 0; g < Q; g++) {
    const correct = Array.from({ length: G }, (_, j) => g * G + j).filter((i) => labels[i] && cl.rCl[i]! > -0.5);
    for (const i of correct)
      for (const j of correct)
        if (cl.perAnchorLoss[i]! > cl.perAnchorLoss[j]! + 1e-9) {
          compared++;
          expect(adv.advantages[i]!).toBeLessThan(adv.advantages[j]!);
        }
  }
  expect(compared).toBeGreaterThan(0);
  const out = computePolicyWeights('grpo', { ...batch, advantages: adv.advantages }, {}, { step: 1, totalSteps: 10, aggregation: 'token-mean' }, { coef: 1e-3, estimator: 'k3' });
  expect(out.weights.length).toBe(batch.logp.length);
  expect(out.weights.every(Number.isFinite)).toBe(true);
  expect(out.metrics[M.klRef]).toBeGreaterThan(0);
  expect(cl.metrics[M.clipoValidAnchors]).toBeGreaterThan(0);
  expect(policyUpdatesAtStep(1, 14)).toBe(false);
});
