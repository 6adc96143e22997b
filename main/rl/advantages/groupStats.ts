/**
 * Per-group reward statistics shared by the advantage estimators.
 * Uses the unbiased std (n − 1) like torch.std in verl (core_algos.py:266-330).
 */
import type { AdvantageInput } from '../types.js';

export interface GroupStats {
  /** [Q] group sizes. */
  count: Int32Array;
  /** [Q] group means. */
  mean: Float64Array;
  /** [Q] unbiased std (0 for groups of size ≤ 1). */
  std: Float64Array;
  /** [Q] 1 if the group has ≥ 2 members and all rewards are exactly equal. */
  zeroVariance: Uint8Array;
}

export function groupStats(input: AdvantageInput): GroupStats {
  const { rewards, groupIndex, numGroups: Q } = input;
  const count = new Int32Array(Q);
  const mean = new Float64Array(Q);
  const std = new Float64Array(Q);
  const lo = new Float64Array(Q).fill(Infinity);
  const hi = new Float64Array(Q).fill(-Infinity);
  for (let i = 0; i < rewards.length; i++) {
    const g = groupIndex[i]!;
    if (g < 0 || g >= Q) throw new Error(`groupIndex[${i}] = ${g} is outside 0..${Q - 1}`);
    count[g]!++;
    mean[g]! += rewards[i]!;
    lo[g] = Math.min(lo[g]!, rewards[i]!);
    hi[g] = Math.max(hi[g]!, rewards[i]!);
  }
  for (let g = 0; g < Q; g++) if (count[g]! > 0) mean[g]! /= count[g]!;
  for (let i = 0; i < rewards.length; i++) {
    const g = groupIndex[i]!;
    const d = rewards[i]! - mean[g]!;
    std[g]! += d * d;
  }
  const zeroVariance = new Uint8Array(Q);
  for (let g = 0; g < Q; g++) {
    std[g] = count[g]! > 1 ? Math.sqrt(std[g]! / (count[g]! - 1)) : 0;
    zeroVariance[g] = count[g]! > 1 && lo[g] === hi[g] ? 1 : 0;
  }
  return { count, mean, std, zeroVariance };
}

/** Common advantage metrics: reward mean/std, advantage mean, zero-variance group count. */
export function advantageMetrics(input: AdvantageInput, adv: Float64Array, stats: GroupStats): Record<string, number> {
  const n = input.rewards.length;
  let rs = 0;
  let as = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    rs += input.rewards[i]!;
    as += adv[i]!;
    amax = Math.max(amax, Math.abs(adv[i]!));
  }
  const rm = n > 0 ? rs / n : 0;
  let rv = 0;
  for (let i = 0; i < n; i++) rv += (input.rewards[i]! - rm) ** 2;
  let zv = 0;
  for (let g = 0; g < stats.zeroVariance.length; g++) zv += stats.zeroVariance[g]!;
  return {
    'reward/mean': rm,
    'reward/std': n > 0 ? Math.sqrt(rv / n) : 0,
    'advantage/mean': n > 0 ? as / n : 0,
    'advantage/absMax': amax,
    'advantage/zeroVarianceGroups': zv,
    'advantage/zeroVarianceFrac': input.numGroups > 0 ? zv / input.numGroups : 0,
  };
}
