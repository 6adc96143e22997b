/**
 * Rollout/trainer mismatch: how far the sampler's probability of each sampled token
 * (node-llama-cpp, the distribution the rollout was drawn from) is from the trainer's
 * π_old of the same token (the engine's forward, which the importance ratios use).
 * Ratios stay exact either way, since both sides of them come from the engine; a large
 * mismatch means the rollouts were drawn from a policy other than the one being
 * corrected for (different kernels or weight precision in the sampler, an F16 KV cache,
 * a stale adapter). verl logs the same diagnostic as `training/rollout_probs_diff_*`;
 * the effect on RL is the subject of Yao et al. 2025, "Your Efficient RL Framework
 * Secretly Brings You Off-Policy RL Training" (truncated importance sampling).
 * Only meaningful without truncation of the sampling distribution (top-p 1, no top-k):
 * the sampler reports probabilities after its sampler chain.
 */
export interface SamplerMismatch {
  /** mean over tokens of |log p_sampler − log π_old| */
  logpDiffMean: number;
  /** max over tokens of |log p_sampler − log π_old| */
  logpDiffMax: number;
  /** max over tokens of |p_sampler − π_old| (verl's rollout_probs_diff_max) */
  probDiffMax: number;
  tokens: number;
}

/** @param sampler [N] sampler log-probs of the sampled tokens, @param trainer [N] the engine's, same order. */
export function samplerMismatch(sampler: ArrayLike<number>, trainer: ArrayLike<number>): SamplerMismatch {
  if (sampler.length !== trainer.length) throw new Error(`samplerMismatch: ${sampler.length} sampler vs ${trainer.length} trainer log-probs`);
  let sum = 0, max = 0, pmax = 0;
  const n = sampler.length;
  for (let i = 0; i < n; i++) {
    const a = sampler[i]!, b = trainer[i]!;
    const d = Math.abs(a - b);
    sum += d;
    max = Math.max(max, d);
    pmax = Math.max(pmax, Math.abs(Math.exp(a) - Math.exp(b)));
  }
  return { logpDiffMean: n ? sum / n : 0, logpDiffMax: max, probDiffMax: pmax, tokens: n };
}
