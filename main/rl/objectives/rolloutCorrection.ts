/**
 * Rollout/trainer mismatch correction: truncated importance sampling (TIS) from the
 * sampler's distribution to the trainer's π_old. Rollouts are drawn by the sampler
 * (node-llama-cpp), whose token probabilities differ from the engine's π_old by kernel
 * rounding, an F16 KV cache or top-p renormalisation; the objective's ratios are
 * π_θ/π_old, so the data must be reweighted by ρ = π_old/π_sampler to be an estimate
 * under π_old (Yao et al. 2025, "Your Efficient RL Framework Secretly Brings You
 * Off-Policy RL Training"). The weight is truncated from above at C to bound variance:
 *   token level:    w_{i,t} = min(exp(ℓ^old_{i,t} − ℓ^samp_{i,t}), C)
 *   sequence level: w_i     = min(exp(Σ_t (ℓ^old_{i,t} − ℓ^samp_{i,t})), C), on every token of i
 * and multiplies the policy term's per-token weights (a constant factor, no gradient),
 * never the KL-to-reference term.
 * reference: TRL grpo_trainer.py (vllm_importance_sampling_mode 'token_truncate' /
 * 'sequence_truncate': ratio = exp(old − sampling), clamp(max = C), and
 * `per_token_loss = per_token_loss * importance_sampling_ratio` before `+ beta * per_token_kl`);
 * verl docs/advance/rollout_is.md (rollout_is_level token|sequence, rollout_is_mode truncate:
 * "clamp weights at upper threshold only", rollout_is_threshold 2.0).
 */
import { M } from '../../api/contract/metricNames.js';

export type RolloutCorrectionLevel = 'token' | 'sequence';

export interface RolloutCorrectionParams {
  level: RolloutCorrectionLevel;
  /** Upper truncation C ≥ 1 (TRL's vllm_importance_sampling_cap, verl's rollout_is_threshold; both 2 in their examples). */
  cap: number;
}

export interface RolloutCorrection {
  /** [N_tok] truncated weight of each token (its sequence's at sequence level). */
  weights: Float32Array;
  metrics: Record<string, number>;
}

/**
 * @param oldLogp [N_tok] the engine's π_old log-prob of each sampled token
 * @param samplerLogp [N_tok] the sampler's log-prob of the same tokens, same order
 * @param tokenOffsets [B+1] response-token offsets
 */
export function rolloutCorrection(oldLogp: ArrayLike<number>, samplerLogp: ArrayLike<number>, tokenOffsets: ArrayLike<number>,
  p: RolloutCorrectionParams): RolloutCorrection {
  const n = oldLogp.length;
  if (samplerLogp.length !== n) throw new Error(`rolloutCorrection: ${n} π_old vs ${samplerLogp.length} sampler log-probs`);
  if (!(p.cap >= 1)) throw new Error(`rolloutCorrection: cap must be ≥ 1, got ${p.cap}`);
  const B = tokenOffsets.length - 1;
  if (B < 0 || tokenOffsets[B] !== n) throw new Error('rolloutCorrection: tokenOffsets do not cover the log-probs');
  const logCap = Math.log(p.cap);
  const weights = new Float32Array(n);
  // Statistics over the units that carry one weight: tokens, or sequences (TRL logs the same way).
  let units = 0, sum = 0, truncated = 0, logRatioMin = Infinity, logRatioMax = -Infinity;
  const unit = (logRatio: number): number => {
    // log-space: exp(Σ) of a long sequence overflows long before it is compared with C
    const w = Math.exp(Math.min(logRatio, logCap));
    units++;
    sum += w;
    if (logRatio > logCap) truncated++;
    logRatioMin = Math.min(logRatioMin, logRatio);
    logRatioMax = Math.max(logRatioMax, logRatio);
    return w;
  };
  for (let i = 0; i < B; i++) {
    const a = tokenOffsets[i]!, b = tokenOffsets[i + 1]!;
    if (p.level === 'token') {
      for (let k = a; k < b; k++) weights[k] = unit(oldLogp[k]! - samplerLogp[k]!);
    } else if (b > a) {
      let s = 0;
      for (let k = a; k < b; k++) s += oldLogp[k]! - samplerLogp[k]!;
      weights.fill(unit(s), a, b);
    }
  }
  const metrics: Record<string, number> = units === 0 ? {} : {
    [M.isWeightMean]: sum / units,
    [M.isRatioMin]: Math.exp(logRatioMin),
    [M.isRatioMax]: Math.exp(logRatioMax),
    [M.isTruncatedFrac]: truncated / units,
  };
  return { weights, metrics };
}
