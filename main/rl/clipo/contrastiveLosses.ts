/**
 * Registry of CLIPO contrastive losses (shared signature: (input, params, rng) → result).
 * Each differs only in its positive part P (L_i = −P + LSE_i, logits in the shifted frame):
 * - infonce (default): one positive p_i sampled uniformly from Pos(i) with the passed RNG,
 *   freshly every step (reference torch.multinomial); P = l_{ip}.
 * - supcon-out (paper "SupCon", mean outside the log): P = (1/|Pos|)Σ_p l_ip.
 * - supcon-in: P = log Σ_p e^{l_ip} − log|Pos|.
 * - softnn (paper "SoftNN", sum inside the log): P = log Σ_p e^{l_ip}.
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

function logSumExpSoftmax(x: number[]): { lse: number; soft: number[] } {
  const mx = Math.max(...x);
  const e = x.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return { lse: mx + Math.log(s), soft: e.map((v) => v / s) };
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
const supconInPos: PositiveFn = (l) => {
  const { lse, soft } = logSumExpSoftmax(l);
  return { value: lse - Math.log(l.length), grad: soft, sampled: -1 };
};
const softnnPos: PositiveFn = (l) => {
  const { lse, soft } = logSumExpSoftmax(l);
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
