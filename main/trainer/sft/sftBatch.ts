/**
 * Packs prompt–target pairs into engine sequences and the per-token weights of
 * the SFT loss. The engine's backward computes the gradient of −Σ wₜ log π(yₜ)
 * over each sequence's response tokens (engine/index.ts), so SFT is that call
 * with the prompt as the masked part (responseStart = prompt length, never
 * scored) and wₜ = 1/N on every one of the step's N target tokens: the
 * token-mean negative log-likelihood over the whole step, TRL SFTTrainer's
 * default (completion_only_loss, loss summed then divided by num_items_in_batch,
 * trl/trainer/sft_trainer.py compute_loss). Pure.
 */
import type { EngineSequence } from '../../../engine/index.js';

export interface SftItem {
  promptTokens: readonly number[];
  /** Target tokens, the end-of-turn token included so the model learns to stop. */
  targetTokens: readonly number[];
}

export interface SftBatch {
  seqs: EngineSequence[];
  weights: Float32Array;
  /** N: target tokens scored (the loss's denominator). */
  targetTokens: number;
  /** All tokens the engine processes (prompt + target). */
  totalTokens: number;
}

export function sftBatch(items: readonly SftItem[]): SftBatch {
  const seqs: EngineSequence[] = [];
  let n = 0;
  let total = 0;
  for (const it of items) {
    if (it.promptTokens.length === 0) throw new Error('an SFT row rendered to an empty prompt: the first target token needs a token before it');
    if (it.targetTokens.length === 0) continue;
    seqs.push({ tokens: Int32Array.from([...it.promptTokens, ...it.targetTokens]), responseStart: it.promptTokens.length });
    n += it.targetTokens.length;
    total += it.promptTokens.length + it.targetTokens.length;
  }
  return { seqs, weights: new Float32Array(n).fill(n > 0 ? 1 / n : 0), targetTokens: n, totalTokens: total };
}
