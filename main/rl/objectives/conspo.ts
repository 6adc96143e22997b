/**
 * ConSPO: contrastive sequence-level objective on length-normalised log-likelihood scores
 * s_i = (1/T_i)Σ_t ℓ_{i,t} (no ratio to π_old, no clip), with a scheduled cosine margin on
 * positives (ConSPO eqs. 10, 15, 16; ALGORITHMS §2). For a valid group (N⁺, N⁻ > 0):
 *   J_q = (1/N⁺) Σ_{i∈P} τ·[(s_i−m)/τ − log Z_i],  Z_i = e^{(s_i−m)/τ} + Σ_{k∈N} e^{s_k/τ}.
 * Lemma 2: ∂J_q/∂s_i⁺ = (1/N⁺)(1 − P_i⁺), ∂J_q/∂s_j⁻ = −(1/N⁺)Σ_{i∈P} P_ij⁻ (they cancel
 * over the group). J = (1/Z_norm)Σ_q J_q and w_{i,t} = g_i/(T_i·Z_norm).
 * Decision (open question 6): Z_norm = Q, all prompts in the batch (as DisCO), so a batch
 * with few valid groups does not get its few gradients scaled up; `normalizer:
 * 'valid-groups'` is the alternative. No KL, no importance ratio: use one optimizer step
 * per rollout batch. Computed in float64 with log-sum-exp.
 * reference: ConSPO (papers/conspo.md, Lemma 2, Table 7 defaults).
 */
import { M } from '../../api/contract/metricNames.js';
import type { Objective } from '../types.js';
import { groupMembers, logSumExp, requireLabels, seqMeans } from './common.js';

export interface ConspoParams {
  /** Temperature τ (paper 10; nearly uniform credit at |s| ≲ 1, see open question 7). */
  tau: number;
  /** Final margin M (paper 0.01). */
  margin: number;
  /** Fraction α of training over which the margin ramps up (paper 0.3). */
  alpha: number;
  /** Batch normaliser Z_norm: all groups (default) or valid groups only. */
  normalizer: 'all-groups' | 'valid-groups';
}

/** m_t = (M/2)(1 − cos(π·min(step/(α·total), 1))) (eq. 16). */
export function conspoMargin(step: number, totalSteps: number, M: number, alpha: number): number {
  const rho = totalSteps > 0 && alpha > 0 ? Math.min(step / (alpha * totalSteps), 1) : 1;
  return (M / 2) * (1 - Math.cos(Math.PI * rho));
}

export const conspo: Objective<ConspoParams> = {
  name: 'conspo',
  reference: 'ConSPO (seed 002) eqs. 10, 15, 16 and Lemma 2',
  defaults: { tau: 10, margin: 0.01, alpha: 0.3, normalizer: 'all-groups' },
  compute(batch, params, ctx) {
    const p = { ...this.defaults, ...params };
    const y = requireLabels(batch, 'conspo');
    const off = batch.tokenOffsets;
    const s = seqMeans(off, batch.logp);
    const m = conspoMargin(ctx.step, ctx.totalSteps, p.margin, p.alpha);
    const g = new Float64Array(off.length - 1);
    let J = 0;
    let valid = 0;
    let posProb = 0;
    let nPos = 0;
    for (const members of groupMembers(batch)) {
      const P = members.filter((i) => y[i]);
      const N = members.filter((i) => !y[i]);
      if (P.length === 0 || N.length === 0) continue;
      valid++;
      const neg = N.map((j) => s[j]! / p.tau);
      const terms = new Array<number>(N.length + 1);
      for (let k = 0; k < N.length; k++) terms[k + 1] = neg[k]!;
      for (const i of P) {
        const a = (s[i]! - m) / p.tau;
        terms[0] = a;
        const lse = logSumExp(terms);
        const pPos = Math.exp(a - lse);
        J += (p.tau * (a - lse)) / P.length;
        g[i]! += (1 - pPos) / P.length;
        for (let k = 0; k < N.length; k++) g[N[k]!]! -= Math.exp(neg[k]! - lse) / P.length;
        posProb += pPos;
        nPos++;
      }
    }
    const Z = p.normalizer === 'all-groups' ? batch.numGroups : valid;
    const w = new Float32Array(batch.logp.length);
    if (Z > 0) {
      for (let i = 0; i + 1 < off.length; i++) {
        const T = off[i + 1]! - off[i]!;
        for (let k = off[i]!; k < off[i + 1]!; k++) w[k] = g[i]! / (T * Z);
      }
    }
    const objective = Z > 0 ? J / Z : 0;
    return {
      weights: w,
      objective,
      metrics: {
        [M.objective]: objective,
        [M.conspoMargin]: m,
        [M.conspoValidGroups]: valid,
        [M.conspoPosProb]: nPos > 0 ? posProb / nPos : 0,
      },
    };
  },
};
