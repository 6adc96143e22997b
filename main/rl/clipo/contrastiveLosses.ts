/**
 * Registry of CLIPO contrastive losses (shared signature: (input, params, rng) → result).
 * Each differs only in its positive part P (L_i = −P + LSE_i, logits in the shifted frame):
 * - infonce (default): one positive p_i sampled uniformly from Pos(i) with the passed RNG,
 *   freshly every step (reference torch.multinomial); P = l_{ip}.
 * - supcon-out (paper "SupCon", mean outside the log): P = (1/|Pos|)Σ_p l_ip.
 * - supcon-in: P = log(Σ_p e^{l_ip} + ε) − log|Pos|.
 * - softnn (paper "SoftNN", sum inside the log): P = log(Σ_p e^{l_ip} + ε).
 * For the two log-sum forms the reference adds the same small ε (1e-8, 'shifted' form) to the
 * positive-pair sum as to the denominator, in the frame shifted by the row max. On near-orthogonal
 * embeddings (l_ip − M_i ≈ −1/τ = −20 at τ = 0.05, e^{−20} ≈ 2e-9) that ε dominates the sum, so
 * leaving it out changes L_i by nats, not rounding.
 * reference: CLIPO ray_trainer.py:132-268; Khosla et al. 2020 (arXiv:2004.11362);
 * Frosst et al. 2019 (arXiv:1902.01889).
 */
import type { Rng } from '../random.js';
import { lookup } from '../registry.js';
import {
  type ContrastiveInput,
  type ContrastiveParams,
  type ContrastiveResult,
  groupContrastiveLoss,
  type PositiveFn,
} from './contrastiveLoss.js';

export type ContrastiveLossFn = (input: ContrastiveInput, params: ContrastiveParams, rng: Rng) => ContrastiveResult;

/**
 * log(Σ e^{x} + eps) and its gradient e^{x}/(Σ e^{x} + eps). The x are already in the shifted
 * frame (≤ 0 up to rounding), so the sum is taken as is, like the reference; with eps = 0 it is
 * computed stably around max(x) instead.
 */
function logSumExpEps(x: number[], eps: number): { lse: number; soft: number[] } {
  if (eps === 0) {
    const mx = Math.max(...x);
    const e = x.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return { lse: mx + Math.log(s), soft: e.map((v) => v / s) };
  }
  const e = x.map((v) => Math.exp(v));
  const s = e.reduce((a, b) => a + b, 0) + eps;
  return { lse: Math.log(s), soft: e.map((v) => v / s) };
}

const infoncePos: PositiveFn = (l, rng) => {
  const k = rng.nextInt(l.length);
  const grad = l.map((_, j) => (j === k ? 1 : 0));
  return { value: l[k]!, grad, sampled: k };
};
const supconOutPos: PositiveFn = (l) => ({
  value: l.reduce((a, b) => a + b, 0) / l.length,
  grad: l.map(() => 1 / l.length),
  sampled: -1,
});
const supconInPos: PositiveFn = (l, _rng, eps) => {
  const { lse, soft } = logSumExpEps(l, eps);
  return { value: lse - Math.log(l.length), grad: soft, sampled: -1 };
};
const softnnPos: PositiveFn = (l, _rng, eps) => {
  const { lse, soft } = logSumExpEps(l, eps);
  return { value: lse, grad: soft, sampled: -1 };
};

const make = (pos: PositiveFn): ContrastiveLossFn => (input, params, rng) => groupContrastiveLoss(input, pos, params, rng);

export const contrastiveLosses = {
  infonce: make(infoncePos),
  'supcon-out': make(supconOutPos),
  'supcon-in': make(supconInPos),
  softnn: make(softnnPos),
} satisfies Record<string, ContrastiveLossFn>;

export type ContrastiveLossName = keyof typeof contrastiveLosses;

/** The loss for a name; throws listing valid names. */
export function getContrastiveLoss(name: string): ContrastiveLossFn {
  return lookup('contrastive loss', contrastiveLosses, name);
}
