/**
 * CLIPO's group-level contrastive losses (reference `supcon_loss`, ray_trainer.py:132-268)
 * with hand-written gradients w.r.t. the embeddings.
 *
 * Masks (group_level, only_group_neg): for anchor i, All(i) = other members of its group,
 * Pos(i) = those with the same label; the denominator is All(i), positives included.
 * Valid anchors: included, label ≠ maskedLabel (default 0 removes incorrect anchors),
 * |Pos(i)| > 0, and with skipTrivial also |All(i) \ Pos(i)| > 0. Invalid anchors get L_i = 0.
 *
 * Logits l_ij = z_i·z_j/τ (cosine for unit z). In the default 'shifted' form the loss is
 * computed, as the reference does, in the frame shifted by the detached row max M_i
 * (self-logit included): L_i = −P_i(l − M_i) + log(Σ_{a∈All(i)} e^{l_ia − M_i} + 1e-8),
 * which is NOT shift-invariant (ALGORITHMS §7.1). M_i is taken over self and the group; for
 * unit-norm z the self-logit 1/τ is the row max of the full batch too. 'exact' drops the 1e-8.
 * L_head = Σ valid·L_i / Σ valid (0 and zero gradient when nothing is valid, §7.2).
 */
import type { Rng } from '../random.js';

/** Positive part P of a loss, L_i = −P + LSE_i; `grad` is ∂P/∂(positive logits). */
export interface PositiveTerm {
  value: number;
  grad: number[];
  /** Index into the positives list that was sampled (InfoNCE), else −1. */
  sampled: number;
}

/**
 * Positive part of one loss over the shifted positive logits (shared signature). `eps` is the
 * constant the form adds inside a log-sum (1e-8 for 'shifted', 0 for 'exact'); losses whose
 * positive part has no log-sum ignore it.
 */
export type PositiveFn = (posLogits: number[], rng: Rng, eps: number) => PositiveTerm;

export interface ContrastiveParams {
  /** τ (scripts 0.05; paper headline Track II at 0.02). */
  temperature: number;
  /** 'shifted' reproduces the reference (+1e-8 in the shifted frame); 'exact' is the clean LSE. */
  lseForm: 'shifted' | 'exact';
  /** Anchors with this label are removed (reference masked_label = 0); null keeps all. */
  maskedLabel: number | null;
  /** Require at least one other-label member in the group (reference skip_trivial). */
  skipTrivial: boolean;
}

export const defaultContrastiveParams: ContrastiveParams = {
  temperature: 0.05,
  lseForm: 'shifted',
  maskedLabel: 0,
  skipTrivial: true,
};

export interface ContrastiveInput {
  /** [B, D] unit-norm embeddings. */
  z: Float64Array;
  /** D. */
  dim: number;
  /** [B] labels y_i = 1[r_i > 0]. */
  labels: Uint8Array;
  /** [B] group of each sequence. */
  groupIndex: Int32Array;
  /** [B] 1 if the sequence takes part (0 for zero-length responses); default all. */
  include?: Uint8Array;
}

export interface ContrastiveResult {
  /** [B] L_i (0 for invalid anchors). */
  perAnchor: Float64Array;
  /** [B] 1 for valid anchors. */
  valid: Uint8Array;
  numValid: number;
  /** L_head = mean of L_i over valid anchors (0 if none). */
  loss: number;
  /** [B, D] ∂L_head/∂z. */
  gradZ: Float64Array;
  /** [B] sampled positive (sequence index) for InfoNCE, −1 otherwise. */
  sampledPositive: Int32Array;
}

const SHIFTED_EPS = 1e-8;

export function groupContrastiveLoss(input: ContrastiveInput, positive: PositiveFn, p: ContrastiveParams, rng: Rng): ContrastiveResult {
  const { z, dim: D, labels, groupIndex } = input;
  const B = labels.length;
  const inc = input.include ?? new Uint8Array(B).fill(1);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < B; i++) {
    if (!inc[i]) continue;
    const g = groupIndex[i]!;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(i);
  }
  const dot = (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < D; k++) s += z[i * D + k]! * z[j * D + k]!;
    return s;
  };
  const perAnchor = new Float64Array(B);
  const valid = new Uint8Array(B);
  const sampledPositive = new Int32Array(B).fill(-1);
  const coef: { i: number; a: number; c: number }[] = []; // ∂(Σ L_i)/∂l_ia
  const eps = p.lseForm === 'shifted' ? SHIFTED_EPS : 0;
  for (let i = 0; i < B; i++) {
    if (!inc[i] || (p.maskedLabel !== null && labels[i] === p.maskedLabel)) continue;
    const all = groups.get(groupIndex[i]!)!.filter((a) => a !== i);
    const pos = all.filter((a) => labels[a] === labels[i]);
    if (pos.length === 0 || (p.skipTrivial && pos.length === all.length)) continue;
    valid[i] = 1;
    const logit = all.map((a) => dot(i, a) / p.temperature);
    let mx = dot(i, i) / p.temperature;
    for (const l of logit) if (l > mx) mx = l;
    let S = 0;
    const e = logit.map((l) => Math.exp(l - mx));
    for (const x of e) S += x;
    const lse = Math.log(S + eps);
    const posLogits = pos.map((a) => logit[all.indexOf(a)]! - mx);
    const term = positive(posLogits, rng, eps);
    perAnchor[i] = -term.value + lse;
    if (term.sampled >= 0) sampledPositive[i] = pos[term.sampled]!;
    for (let k = 0; k < all.length; k++) coef.push({ i, a: all[k]!, c: e[k]! / (S + eps) });
    for (let k = 0; k < pos.length; k++) if (term.grad[k] !== 0) coef.push({ i, a: pos[k]!, c: -term.grad[k]! });
  }
  let numValid = 0;
  let total = 0;
  for (let i = 0; i < B; i++) if (valid[i]) (numValid++, (total += perAnchor[i]!));
  const gradZ = new Float64Array(B * D);
  if (numValid > 0) {
    const s = 1 / (numValid * p.temperature);
    for (const { i, a, c } of coef) {
      const f = c * s;
      for (let k = 0; k < D; k++) {
        gradZ[i * D + k]! += f * z[a * D + k]!;
        gradZ[a * D + k]! += f * z[i * D + k]!;
      }
    }
  }
  return { perAnchor, valid, numValid, loss: numValid > 0 ? total / numValid : 0, gradZ, sampledPositive };
}
