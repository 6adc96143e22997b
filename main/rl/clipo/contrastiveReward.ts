/**
 * CLIPO's extra reward r_cl_i = max(c₀ − λ·L_i·y_i, clampMin) with L_i from the pre-step
 * forward pass (detached). Zero-length responses get r_cl = 0 (§7.5). With no valid anchor
 * every L_i = 0, so r_cl = max(c₀, clampMin) = 0 at the default c₀ = 0 (§7.2).
 * The trainer adds r_cl to the rule reward BEFORE group normalisation (§1.4 step 5).
 * reference: CLIPO ray_trainer.py:1622-1688 (eqs. 10-12 as implemented).
 */
export interface ContrastiveRewardParams {
  /** λ (reference 0.2). */
  lambda: number;
  /** c₀, the reference's `contant_reward` (0). */
  constantReward: number;
  /** Lower clamp (hard-coded −0.5 in the reference). */
  clampMin: number;
}

/** r_cl [B]. @param include [B] 0 for zero-length responses. */
export function contrastiveReward(
  perAnchor: Float64Array,
  labels: Uint8Array,
  include: Uint8Array,
  p: ContrastiveRewardParams,
): Float64Array {
  const r = new Float64Array(perAnchor.length);
  for (let i = 0; i < r.length; i++) {
    if (!include[i]) continue;
    r[i] = Math.max(p.constantReward - p.lambda * perAnchor[i]! * (labels[i] ? 1 : 0), p.clampMin);
  }
  return r;
}

/** R_i = r_i + r_cl_i, the reward fed to the advantage estimator. */
export function addContrastiveReward(rewards: ArrayLike<number>, rCl: Float64Array): Float64Array {
  const out = new Float64Array(rewards.length);
  for (let i = 0; i < out.length; i++) out[i] = rewards[i]! + rCl[i]!;
  return out;
}
