/**
 * DisCO with the log-likelihood score (ALGORITHMS §3.8). s_i = (1/T_i)Σ_t ℓ_{i,t}; per valid
 * group J_q = (1/|P|)Σ_{i∈P} s_i − τ·log Σ_{j∈N} e^{s_j/τ}; J = (1/Q)Σ_q J_q − h·KL with
 * KL = (1/N_tok)Σ(ℓ^old − ℓ) and the hinge coefficient h = sg([β(KL − δ)]₊), evaluated at
 * ctx.frozenLogp. Weights: positives 1/(Q·|P|·T_i), negatives −softmax_N(s/τ)_j/(Q·T_j),
 * plus h/N_tok on every token. Q counts all prompts in the unit, valid or not.
 * reference: Li et al. 2025, DisCO (arXiv:2505.12366); Optimization-AI/DisCO.
 */
import { M } from '../../api/contract/metricNames.js';
import type { Objective } from '../types.js';
import { groupMembers, logSumExp, requireLabels, seqMeans } from './common.js';

export interface DiscoParams {
  /** Temperature τ of the negatives' log-sum-exp (10 for the logL score). */
  tau: number;
  /** KL budget δ of the hinge. */
  delta: number;
  /** Hinge penalty β. */
  beta: number;
}

function klOld(logp: ArrayLike<number>, old: ArrayLike<number>): number {
  let kl = 0;
  for (let k = 0; k < logp.length; k++) kl += old[k]! - logp[k]!;
  return logp.length > 0 ? kl / logp.length : 0;
}

export const disco: Objective<DiscoParams> = {
  name: 'disco',
  reference: 'arXiv:2505.12366; Optimization-AI/DisCO',
  defaults: { tau: 10, delta: 1e-4, beta: 1e3 },
  compute(batch, params, ctx) {
    const p = { ...this.defaults, ...params };
    const y = requireLabels(batch, 'disco');
    const off = batch.tokenOffsets;
    const s = seqMeans(off, batch.logp);
    const Q = batch.numGroups;
    const g = new Float64Array(off.length - 1);
    let Jc = 0;
    let valid = 0;
    for (const members of groupMembers(batch)) {
      const P = members.filter((i) => y[i]);
      const N = members.filter((i) => !y[i]);
      if (P.length === 0 || N.length === 0) continue;
      valid++;
      for (const i of P) {
        Jc += s[i]! / (Q * P.length);
        g[i]! += 1 / (Q * P.length);
      }
      const neg = N.map((j) => s[j]! / p.tau);
      const lse = logSumExp(neg);
      Jc -= (p.tau * lse) / Q;
      for (let k = 0; k < N.length; k++) g[N[k]!]! -= Math.exp(neg[k]! - lse) / Q;
    }
    const nTok = batch.logp.length;
    const kl = klOld(batch.logp, batch.oldLogp);
    const h = Math.max(p.beta * (klOld(ctx.frozenLogp ?? batch.logp, batch.oldLogp) - p.delta), 0);
    const w = new Float32Array(nTok);
    for (let i = 0; i + 1 < off.length; i++) {
      const T = off[i + 1]! - off[i]!;
      for (let k = off[i]!; k < off[i + 1]!; k++) w[k] = g[i]! / T + h / nTok;
    }
    const objective = Jc - h * kl;
    return {
      weights: w,
      objective,
      metrics: {
        [M.objective]: objective,
        [M.discoValidGroups]: valid,
        [M.discoKl]: kl,
        [M.discoKlPenalty]: h,
      },
    };
  },
};
