import { describe, expect, test } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { getAdvantage } from '../../main/rl/advantages/index.js';
import { clipoStep } from '../../main/rl/clipo/clipoStep.js';
import { defaultContrastiveParams } from '../../main/rl/clipo/contrastiveLoss.js';
import { contrastiveLosses, getContrastiveLoss } from '../../main/rl/clipo/contrastiveLosses.js';
import { addContrastiveReward } from '../../main/rl/clipo/contrastiveReward.js';
import { headBackward, headForward, type HeadKind } from '../../main/rl/clipo/head.js';
import { initClipoHead, restoreHeadState, serializeHeadState } from '../../main/rl/clipo/headState.js';
import { policyUpdatesAtStep } from '../../main/rl/clipo/warmup.js';
import { computePolicyWeights } from '../../main/rl/objectives/index.js';
import { Rng } from '../../main/rl/random.js';
import { randomBatch } from './helpers.js';

const exact = { ...defaultContrastiveParams, temperature: 1, lseForm: 'exact' as const };
const z4 = Float64Array.from([1, 0, 0, 1, 0.6, 0.8, -1, 0]); // one group, labels [1,1,1,0]
const in4 = { z: z4, dim: 2, labels: Uint8Array.from([1, 1, 1, 0]), groupIndex: new Int32Array(4) };

describe('contrastive loss goldens (τ = 1, exact LSE)', () => {
  // z0 = (1,0), z1 = (0,1), z2 = (.6,.8), z3 = (−1,0); anchor 3 is incorrect → masked.
  // LSE0 = ln(e^0 + e^.6 + e^−1) = 1.1600203656   (All(0) = {1,2,3}, s = [0, .6, −1])
  // LSE1 = ln(e^0 + e^.8 + e^0)  = 1.4411472830   (All(1) = {0,2,3}, s = [0, .8, 0])
  // LSE2 = ln(e^.6 + e^.8 + e^−.6) = 1.5252889146 (All(2) = {0,1,3})
  // supcon-out: L = −mean(pos) + LSE = [−.3 + LSE0, −.4 + LSE1, −.7 + LSE2]
  // softnn:     L = −ln Σ_pos e^l + LSE = [LSE0 − ln(1+e^.6), LSE1 − ln(1+e^.8), LSE2 − ln(e^.6+e^.8)]
  // supcon-in:  softnn + ln 2
  test.each([
    ['supcon-out', [0.8600203656, 1.041147283, 0.8252889146], 0.9088188544],
    ['softnn', [0.1225324151, 0.2700466171, 0.1271500452], 0.1732430258],
    ['supcon-in', [0.8156795956, 0.9631937976, 0.8202972257], 0.8663902063],
  ])('%s', (name, per, mean) => {
    const r = getContrastiveLoss(name)(in4, exact, Rng.fromSeed(1));
    per.forEach((x, i) => expect(r.perAnchor[i]).toBeCloseTo(x, 9));
    expect(r.perAnchor[3]).toBe(0);
    expect(Array.from(r.valid)).toEqual([1, 1, 1, 0]);
    expect(r.loss).toBeCloseTo(mean, 9);
  });

  test('infonce samples one positive per anchor with the passed RNG, reproducibly', () => {
    const a = contrastiveLosses.infonce(in4, exact, Rng.fromSeed(3));
    const b = contrastiveLosses.infonce(in4, exact, Rng.fromSeed(3));
    expect(Array.from(a.sampledPositive)).toEqual(Array.from(b.sampledPositive));
    // anchor 0: positive 1 gives LSE0 − 0 = 1.1600203656, positive 2 gives LSE0 − .6 = .5600203656
    expect(a.perAnchor[0]).toBeCloseTo(a.sampledPositive[0] === 1 ? 1.1600203656 : 0.5600203656, 9);
    const counts = [0, 0, 0, 0];
    const rng = Rng.fromSeed(9);
    for (let n = 0; n < 2000; n++) counts[contrastiveLosses.infonce(in4, exact, rng).sampledPositive[0]!]!++;
    expect(counts[0]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(Math.abs(counts[1]! / 1000 - 1)).toBeLessThan(0.1);
  });

  test('shifted LSE (+1e-8, reference default) vs exact (§7.1)', () => {
    // τ = .05, anchor 0 with orthogonal positive and negative: s = [0, 0], M = 1/τ = 20
    // exact: L = −0 + ln 2 = .6931471806; shifted: L = 20 + ln(2e^−20 + 1e-8) = 1.9244897844
    const input = { z: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), dim: 3, labels: Uint8Array.from([1, 1, 0]), groupIndex: new Int32Array(3) };
    const p = { ...defaultContrastiveParams, temperature: 0.05 };
    expect(contrastiveLosses.infonce(input, { ...p, lseForm: 'exact' }, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(0.6931471806, 9);
    expect(contrastiveLosses.infonce(input, p, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(1.9244897844, 8);
  });

  test('supcon-in and softnn carry the shifted form\'s ε in the positive sum too (reference)', () => {
    // τ = .05, four orthogonal unit vectors, labels [1,1,1,0]; anchor 0: All = {1,2,3}, Pos = {1,2},
    // every s = 0 so every shifted logit is −1/τ = −20 (M = self-logit 20), e^−20 = 2.0611536e-9.
    // LSE0 = ln(3e^−20 + 1e-8); softnn P = ln(2e^−20 + 1e-8), so L = ln(3e^−20+1e-8) − ln(2e^−20+1e-8)
    //      = .1362341653; supcon-in adds ln|Pos| = ln 2: .8293813458.
    // Without ε in P (the old form): L = ln(3e^−20 + 1e-8) + 20 − ln 2 = 1.3675767691 (softnn), 1.2 nats off.
    const z = new Float64Array(16);
    for (let i = 0; i < 4; i++) z[i * 4 + i] = 1;
    const input = { z, dim: 4, labels: Uint8Array.from([1, 1, 1, 0]), groupIndex: new Int32Array(4) };
    const p = { ...defaultContrastiveParams, temperature: 0.05 };
    expect(contrastiveLosses.softnn(input, p, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(0.1362341653, 8);
    expect(contrastiveLosses['supcon-in'](input, p, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(0.8293813458, 8);
    // the exact form has no ε anywhere: L = ln 3 − ln 2 (softnn), ln 3 (supcon-in)
    expect(contrastiveLosses.softnn(input, { ...p, lseForm: 'exact' }, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(Math.log(1.5), 9);
    expect(contrastiveLosses['supcon-in'](input, { ...p, lseForm: 'exact' }, Rng.fromSeed(1)).perAnchor[0]).toBeCloseTo(Math.log(3), 9);
  });

  test.each(['softnn', 'supcon-in'] as const)('%s ∂L/∂z with ε in the positive sum matches finite differences at τ = .05', (name) => {
    // Near-orthogonal unit embeddings, where ε is most of the positive sum. The shift M_i (self-logit
    // 1/τ for unit z) is detached as in the reference and the ε form is not shift-invariant, so the
    // check moves along the sphere: z_i → normalize(z_i + h e_k), whose derivative is
    // g_ik − (g_i·z_i) z_ik for the analytic gradient g.
    const rng = Rng.fromSeed(7);
    const D = 6;
    const z = new Float64Array(4 * D);
    const normalizeRow = (v: Float64Array, i: number): void => {
      let n = 0;
      for (let k = 0; k < D; k++) n += v[i * D + k]! ** 2;
      for (let k = 0; k < D; k++) v[i * D + k]! /= Math.sqrt(n);
    };
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < D; k++) z[i * D + k] = (k === i ? 1 : 0) + rng.uniform(-0.05, 0.05);
      normalizeRow(z, i);
    }
    const p = { ...defaultContrastiveParams, temperature: 0.05 };
    const lossAt = (v: Float64Array) =>
      contrastiveLosses[name]({ z: v, dim: D, labels: Uint8Array.from([1, 1, 1, 0]), groupIndex: new Int32Array(4) }, p, Rng.fromSeed(1));
    const g = lossAt(z).gradZ;
    const h = 1e-6;
    for (let i = 0; i < 4; i++) {
      let gz = 0;
      for (let k = 0; k < D; k++) gz += g[i * D + k]! * z[i * D + k]!;
      for (let k = 0; k < D; k++) {
        const at = (d: number) => {
          const v = Float64Array.from(z);
          v[i * D + k]! += d;
          normalizeRow(v, i);
          return lossAt(v).loss;
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        const analytic = g[i * D + k]! - gz * z[i * D + k]!;
        expect(Math.abs(analytic - fd), `z[${i}][${k}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(fd));
      }
    }
  });

  test('valid anchors: skip_trivial, masked_label, groups, exclusion', () => {
    // group 0 all correct (trivial), group 1 has one correct (no positive) → nothing valid
    const input = { z: z4, dim: 2, labels: Uint8Array.from([1, 1, 1, 0]), groupIndex: Int32Array.from([0, 0, 1, 1]) };
    const r = contrastiveLosses['supcon-out'](input, exact, Rng.fromSeed(1));
    expect(r.numValid).toBe(0);
    expect(r.loss).toBe(0);
    expect(r.gradZ.every((x) => x === 0)).toBe(true);
    // without skip_trivial the all-correct group's anchors count
    expect(contrastiveLosses['supcon-out'](input, { ...exact, skipTrivial: false }, Rng.fromSeed(1)).numValid).toBe(2);
    // maskedLabel null: the incorrect anchor 3 becomes valid only if it had an incorrect positive
    expect(contrastiveLosses['supcon-out'](in4, { ...exact, maskedLabel: null }, Rng.fromSeed(1)).numValid).toBe(3);
    // excluding member 2 (zero-length) leaves anchors 0 and 1 with one positive each
    const ex = contrastiveLosses['supcon-out']({ ...in4, include: Uint8Array.from([1, 1, 0, 1]) }, exact, Rng.fromSeed(1));
    expect(Array.from(ex.valid)).toEqual([1, 1, 0, 0]);
    // anchor 0: All = {1,3}: L = −0 + ln(1 + e^−1) = .3132616875
    expect(ex.perAnchor[0]).toBeCloseTo(0.3132616875, 9);
  });
});

/** Pooled states: Q groups of G, d dims; correct ones share a direction plus noise. */
function synth(rng: Rng, Q: number, G: number, d: number, signal: number): { pooled: Float32Array; labels: Uint8Array; groupIndex: Int32Array } {
  const B = Q * G;
  const pooled = new Float32Array(B * d);
  const labels = new Uint8Array(B);
  const groupIndex = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    groupIndex[i] = Math.floor(i / G);
    labels[i] = i % G < G / 2 ? 1 : 0;
    for (let k = 0; k < d; k++) pooled[i * d + k] = rng.uniform(-1, 1) + (labels[i] && k === 0 ? signal : 0);
  }
  return { pooled, labels, groupIndex };
}

describe('CLIPO head', () => {
  test.each([
    ['linear', 'supcon-out'],
    ['linear', 'infonce'],
    ['mlp', 'softnn'],
  ] as const)('%s head gradient (%s) matches finite differences', (kind, loss) => {
    const state = initClipoHead({ kind: kind as HeadKind, inDim: 5, outDim: 3, seed: 4 });
    const { pooled, labels, groupIndex } = synth(Rng.fromSeed(2), 2, 4, 5, 0.5);
    const p = { ...defaultContrastiveParams, temperature: 0.5 };
    const lossAt = () => {
      const c = headForward(state.head, pooled, 8);
      return getContrastiveLoss(loss)({ z: c.z, dim: 3, labels, groupIndex }, p, Rng.fromSeed(5));
    };
    const c = headForward(state.head, pooled, 8);
    const grads = headBackward(state.head, c, lossAt().gradZ);
    for (const [key, t] of Object.entries(state.head.tensors)) {
      for (let j = 0; j < t.length; j += 3) {
        const orig = t[j]!;
        t[j] = orig + 1e-3;
        const up = t[j]!;
        const fp = lossAt().loss;
        t[j] = orig - 1e-3;
        const dn = t[j]!;
        const fm = lossAt().loss;
        t[j] = orig;
        const fd = (fp - fm) / (up - dn);
        expect(Math.abs(grads[key]![j]! - fd), `${key}[${j}]`).toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
      }
    }
  });

  test('short synthetic run: the head clusters correct responses (pos-pair similarity rises)', () => {
    let state = initClipoHead({ kind: 'linear', inDim: 16, outDim: 8, seed: 1 });
    const data = Rng.fromSeed(10);
    const sims: number[] = [];
    for (let step = 0; step < 40; step++) {
      const { pooled, labels, groupIndex } = synth(data, 4, 8, 16, 1.0);
      // lr 1e-2 (10× the reference) so 40 steps suffice in a unit test
      const r = clipoStep(state, { pooled, labels, groupIndex, responseLengths: new Int32Array(32).fill(5) }, { lr: 1e-2 });
      sims.push(r.metrics[M.embPosPairSim]!);
      state = r.state;
    }
    const early = (sims[0]! + sims[1]! + sims[2]!) / 3;
    const late = (sims[37]! + sims[38]! + sims[39]!) / 3;
    console.log(`[clipo synthetic] pos-pair similarity ${early.toFixed(3)} → ${late.toFixed(3)}`);
    expect(late).toBeGreaterThan(early + 0.2);
    expect(sims.every(Number.isFinite)).toBe(true);
  });

  test('state serialise/restore reproduces the next step exactly (weights, Adam, step, RNG)', () => {
    const rng = Rng.fromSeed(7);
    let s = initClipoHead({ kind: 'mlp', inDim: 6, outDim: 4, seed: 3 });
    const batch = () => ({ ...synth(rng, 2, 4, 6, 1), responseLengths: new Int32Array(8).fill(3) });
    s = clipoStep(s, batch(), {}).state;
    const restored = restoreHeadState(JSON.parse(JSON.stringify(serializeHeadState(s))));
    const b = batch();
    const a1 = clipoStep(s, b, {});
    const a2 = clipoStep(restored, b, {});
    expect(Array.from(a2.rCl)).toEqual(Array.from(a1.rCl));
    expect(Array.from(a2.state.head.tensors.w1!)).toEqual(Array.from(a1.state.head.tensors.w1!));
    expect(a2.state.rng).toEqual(a1.state.rng);
    expect(a2.state.step).toBe(2);
  });

  test('r_cl: clamp(c0 − λ·L·y, −0.5), pre-step L, incorrect and invalid get 0', () => {
    const s = initClipoHead({ kind: 'linear', inDim: 6, outDim: 4, seed: 3 });
    const b = { ...synth(Rng.fromSeed(1), 2, 4, 6, 1), responseLengths: new Int32Array(8).fill(3) };
    const r = clipoStep(s, b, { lossType: 'supcon-out' });
    for (let i = 0; i < 8; i++) {
      const expected = r.valid[i] ? Math.max(-0.2 * r.perAnchorLoss[i]!, -0.5) : 0;
      expect(r.rCl[i]).toBeCloseTo(expected, 12);
      if (!b.labels[i]) expect(r.rCl[i]).toBe(0);
    }
    expect(r.metrics[M.clipoHeadStepped]).toBe(1);
    expect(r.metrics[M.hiddenPosPairSim]).toBeGreaterThan(0); // raw pooled states share e0 when correct
    expect(r.metrics[M.embMixedPairSim]).toBeDefined();
    expect(r.state.step).toBe(1);
    expect(s.step).toBe(0); // input state untouched
  });

  test('no valid anchor: no head step, L = 0, r_cl = 0 (§7.2)', () => {
    const s = initClipoHead({ kind: 'linear', inDim: 4, outDim: 3, seed: 3 });
    const b = { ...synth(Rng.fromSeed(1), 2, 4, 4, 1), responseLengths: new Int32Array(8).fill(3) };
    b.labels.fill(1);
    const r = clipoStep(s, b, {});
    expect(r.loss).toBe(0);
    expect(r.state.step).toBe(0);
    expect(Array.from(r.state.head.tensors.w!)).toEqual(Array.from(s.head.tensors.w!));
    expect(r.rCl.every((x) => x === 0)).toBe(true);
  });

  test('zero-length responses: no r_cl, not in any denominator (§7.5)', () => {
    const s = initClipoHead({ kind: 'linear', inDim: 4, outDim: 3, seed: 3 });
    const b = { ...synth(Rng.fromSeed(1), 1, 6, 4, 1), responseLengths: Int32Array.from([0, 3, 3, 3, 3, 3]) };
    const r = clipoStep(s, b, {});
    expect(r.rCl[0]).toBe(0);
    expect(r.valid[0]).toBe(0);
    expect(r.valid[1]).toBe(1);
  });

  test('frozen head (CLIPO-fixed) never steps but still rewards', () => {
    const s = initClipoHead({ kind: 'linear', inDim: 6, outDim: 4, seed: 3 });
    const b = { ...synth(Rng.fromSeed(1), 2, 4, 6, 1), responseLengths: new Int32Array(8).fill(3) };
    const r = clipoStep(s, b, { frozen: true });
    expect(Array.from(r.state.head.tensors.w!)).toEqual(Array.from(s.head.tensors.w!));
    expect(r.rCl.some((x) => x < 0)).toBe(true);
  });

  test('CLIPO with λ = 0 equals the base method exactly', () => {
    const batch = randomBatch(21, 2, 4, 5, 0.1);
    const rewards = Float64Array.from([1, 0, 1, 1, 0, 1, 0, 0]);
    const s = initClipoHead({ kind: 'linear', inDim: 6, outDim: 4, seed: 3 });
    const b = { ...synth(Rng.fromSeed(1), 2, 4, 6, 1), responseLengths: new Int32Array(8).fill(3) };
    const r = clipoStep(s, b, { lambda: 0 });
    const withCl = addContrastiveReward(rewards, r.rCl);
    expect(Array.from(withCl)).toEqual(Array.from(rewards));
    const adv = (x: Float64Array) => getAdvantage('grpo').compute({ rewards: x, groupIndex: batch.groupIndex, numGroups: 2 }, {}).advantages;
    const ctx = { step: 0, totalSteps: 1, aggregation: 'token-mean' as const };
    const base = computePolicyWeights('grpo', { ...batch, advantages: adv(rewards) }, {}, ctx);
    const clipo = computePolicyWeights('grpo', { ...batch, advantages: adv(withCl) }, {}, ctx);
    expect(Array.from(clipo.weights)).toEqual(Array.from(base.weights));
  });

  test('head-only warmup follows critic_warmup ≤ global_steps (1-based)', () => {
    expect([1, 13, 14, 15].map((s) => policyUpdatesAtStep(s, 14))).toEqual([false, false, true, true]);
    expect(policyUpdatesAtStep(1, 0)).toBe(true);
  });

  test('PyTorch-default init bound U(±1/√fan_in)', () => {
    const s = initClipoHead({ kind: 'linear', inDim: 896, outDim: 16, seed: 1 });
    const w = s.head.tensors.w!;
    const bound = 1 / Math.sqrt(896);
    expect(w.every((x) => Math.abs(x) <= bound)).toBe(true);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
  });
});
