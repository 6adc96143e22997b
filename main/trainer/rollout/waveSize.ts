/**
 * How many groups the sampler decodes together. All prompts of a step at once is
 * the fastest (one shared batch per token), but node-llama-cpp gives every
 * sequence its own full context of KV cells (non-unified cache: contextSize ×
 * sequences cells), so the wave is capped by a KV-memory budget.
 */
export const DEFAULT_KV_BUDGET_BYTES = 2 * 2 ** 30;

export interface KvShape { nLayer: number; nHeadKv: number; headDim: number }

/** Bytes of K and V for one token (F32 cells when kvBytes = 4, F16 when 2). */
export function kvBytesPerToken(m: KvShape, kvBytes = 4): number {
  return 2 * m.nLayer * m.nHeadKv * m.headDim * kvBytes;
}

export function groupsPerWave(promptsPerStep: number, groupSize: number, contextSize: number, bytesPerToken: number,
  budgetBytes = DEFAULT_KV_BUDGET_BYTES): number {
  const perGroup = groupSize * contextSize * bytesPerToken;
  return Math.max(1, Math.min(promptsPerStep, Math.floor(budgetBytes / perGroup)));
}
