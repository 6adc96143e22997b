/**
 * DAPO dynamic sampling as a pure filter: drop groups whose scores are all equal (no
 * learning signal), keep at most `maxGroups` of the rest in order. The trainer keeps
 * generating batches until enough groups survive (verl `algorithm.filter_groups`, metric
 * `acc`). Decision (open question 9): filter on the rule accuracy, before CLIPO's r_cl.
 * reference: arXiv:2503.14476 §3.2; verl recipe/dapo (filter_groups).
 */
export interface FilterGroupsResult {
  /** Kept group ids, ascending. */
  keptGroups: Int32Array;
  /** [B] 1 if the sequence belongs to a kept group. */
  keepSequence: Uint8Array;
  /** Groups dropped for zero variance (not counting truncation by maxGroups). */
  droppedGroups: number;
}

/**
 * @param scores [B] per-sequence metric (e.g. accuracy 0/1).
 * @param groupIndex [B] group of each sequence.
 * @param numGroups Q.
 * @param maxGroups keep at most this many surviving groups (truncate), default all.
 */
export function filterGroups(
  scores: ArrayLike<number>,
  groupIndex: Int32Array,
  numGroups: number,
  maxGroups = Infinity,
): FilterGroupsResult {
  const lo = new Float64Array(numGroups).fill(Infinity);
  const hi = new Float64Array(numGroups).fill(-Infinity);
  const cnt = new Int32Array(numGroups);
  for (let i = 0; i < groupIndex.length; i++) {
    const g = groupIndex[i]!;
    cnt[g]!++;
    lo[g] = Math.min(lo[g]!, scores[i]!);
    hi[g] = Math.max(hi[g]!, scores[i]!);
  }
  const kept: number[] = [];
  let dropped = 0;
  for (let g = 0; g < numGroups; g++) {
    if (cnt[g] === 0) continue;
    // verl keeps groups with std > 0 or of size 1 (recipe/dapo dapo_ray_trainer.py).
    if (cnt[g]! >= 2 && lo[g] === hi[g]) dropped++;
    else if (kept.length < maxGroups) kept.push(g);
  }
  const keptGroups = Int32Array.from(kept);
  const isKept = new Uint8Array(numGroups);
  for (const g of kept) isKept[g] = 1;
  const keepSequence = new Uint8Array(groupIndex.length);
  for (let i = 0; i < groupIndex.length; i++) keepSequence[i] = isKept[groupIndex[i]!]!;
  return { keptGroups, keepSequence, droppedGroups: dropped };
}
