import { describe, expect, it } from 'vitest';
import type { Recipe } from '../../main/api/contract/index.js';
import { parseRecipe } from '../../main/recipes/index.js';
import { advantageStage, initialClipoState, policyStage, type ScoredBatch } from '../../main/trainer/rlPipeline.js';

// Two groups of 4; group 0 mixed (rewards 1,1,0,1), group 1 all wrong (zero variance).
function batch(dModel = 6): ScoredBatch {
  const lengths = [3, 2, 4, 1, 2, 2, 3, 1];
  const off = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => (off[i + 1] = off[i]! + l));
  const n = off[lengths.length]!;
  const oldLogp = Float32Array.from({ length: n }, (_, k) => -0.1 - 0.05 * k);
  const pooled = Float32Array.from({ length: lengths.length * dModel }, (_, k) => Math.sin(k * 1.3) + (k % dModel === 0 ? 1 : 0));
  return {
    tokenOffsets: off, groupIndex: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]), numGroups: 2,
    rewards: Float64Array.from([1, 1, 0, 1, 0, 0, 0, 0]), labels: Uint8Array.from([1, 1, 0, 1, 0, 0, 0, 0]),
    oldLogp, pooled, dModel,
  };
}
const recipe = (over: object = {}): Recipe => parseRecipe(over);

describe('rlPipeline', () => {
  it('on-policy GRPO with token-mean: w = A/N_tok on every token, zero for the zero-variance group', () => {
    const r = recipe();
    const b = batch();
    const adv = advantageStage(r, b, null, 0);
    // Group 0: mean 0.75, unbiased std = 0.5 → A = (1−0.75)/0.5 = 0.5 (×3), (0−0.75)/0.5 = −1.5 (ε=1e-6 aside).
    expect(adv.advantages[0]).toBeCloseTo(0.5, 5);
    expect(adv.advantages[2]).toBeCloseTo(-1.5, 5);
    for (let i = 4; i < 8; i++) expect(adv.advantages[i]).toBe(0);
    const res = policyStage(r, b, adv.advantages, b.oldLogp, 0);
    const N = b.oldLogp.length;
    for (let i = 0; i < 8; i++) {
      for (let k = b.tokenOffsets[i]!; k < b.tokenOffsets[i + 1]!; k++) expect(res.weights[k]).toBeCloseTo(adv.advantages[i]! / N, 7);
    }
  });

  it('CLIPO with λ = 0 gives exactly the base method’s advantages and weights', () => {
    const b = batch();
    const base = recipe();
    const withClipo = recipe({ algorithm: { clipo: { enabled: true, lambda: 0, outputSize: 4 } } });
    const a0 = advantageStage(base, b, null, 0);
    const a1 = advantageStage(withClipo, b, initialClipoState(withClipo, b.dModel), 0);
    expect(Array.from(a1.advantages)).toEqual(Array.from(a0.advantages));
    expect(Array.from(policyStage(withClipo, b, a1.advantages, b.oldLogp, 0).weights)).toEqual(Array.from(policyStage(base, b, a0.advantages, b.oldLogp, 0).weights));
    expect(a1.embeddings?.length).toBe(8 * 4);
    expect(a1.clipoState?.step).toBe(1); // group 0 has ≥2 correct and 1 incorrect: a valid anchor, so the head stepped
  });

  it('CLIPO with λ > 0 gives r_cl ≤ 0 to correct rollouts only, clamped at −0.5', () => {
    const r = recipe({ algorithm: { clipo: { enabled: true, lambda: 0.2, outputSize: 4 } } });
    const b = batch();
    const a = advantageStage(r, b, initialClipoState(r, b.dModel), 0);
    for (let i = 0; i < 8; i++) {
      if (b.labels[i]) expect(a.contrastiveRewards[i]).toBeLessThanOrEqual(0);
      else expect(a.contrastiveRewards[i]).toBe(0);
      expect(a.contrastiveRewards[i]).toBeGreaterThanOrEqual(-0.5);
      expect(a.totalRewards[i]).toBeCloseTo(b.rewards[i]! + a.contrastiveRewards[i]!, 12);
    }
    expect(Object.keys(a.metrics)).toContain('embeddings/group/pos_pair_sim/mean');
    expect(Object.keys(a.metrics)).toContain('hidden_states/group/pos_pair_sim/mean');
  });

  it('head-only warmup freezes the policy for the first steps', () => {
    const r = recipe({ training: { steps: 20 }, algorithm: { clipo: { enabled: true, warmupSteps: 3, outputSize: 4 } } });
    const b = batch();
    const flags = [0, 1, 2, 3, 4].map((s) => advantageStage(r, b, initialClipoState(r, b.dModel), s).updatePolicy);
    expect(flags).toEqual([false, false, false, true, true]);
  });

  it.each(['grpo', 'drgrpo', 'batch', 'rloo'] as const)('advantage %s maps to a registry entry', (advantage) => {
    const a = advantageStage(recipe({ algorithm: { advantage } }), batch(), null, 0);
    expect(a.advantages.length).toBe(8);
    expect(a.advantages.every(Number.isFinite)).toBe(true);
  });

  it.each(['grpo', 'drgrpo', 'dapo', 'gspo', 'gmpo', 'cispo', 'sapo', 'conspo', 'disco'] as const)('objective %s yields finite weights', (objective) => {
    const r = recipe({ algorithm: { objective } });
    const b = batch();
    const res = policyStage(r, b, advantageStage(r, b, null, 0).advantages, b.oldLogp, 0);
    expect(res.weights.length).toBe(b.oldLogp.length);
    expect(res.weights.every(Number.isFinite)).toBe(true);
    // Group 1 carries no signal for any method (all wrong, zero variance, no positives).
    for (let k = b.tokenOffsets[4]!; k < b.tokenOffsets[8]!; k++) expect(Math.abs(res.weights[k]!)).toBeLessThan(1e-12);
  });
});
